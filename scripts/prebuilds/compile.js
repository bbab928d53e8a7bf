'use strict';
// One `zig c++` command line for a Node-API addon on one target, with the
// flags node-gyp uses (from binding.gyp) and what a shipped binary needs.
const path = require('node:path');

const { addonCompileFlags } = require('../addon-sources');
const { nodeHeaders, zigCxx } = require('./zig');

const ROOT = path.join(__dirname, '..', '..');

function targetFlags(target, output) {
  if (target.os === 'mac') {
    // Node-API symbols come from the host (node or Electron) at load time.
    // Zig 0.11's Mach-O linker takes no export list, so its static libc++
    // stays exported here; two-level namespaces keep the addon's own
    // references bound to it.
    // Its install name says nothing of the machine that built it.
    return ['-Wl,-undefined,dynamic_lookup', `-Wl,-install_name,@rpath/${path.basename(output)}`];
  }
  return [
    '-fPIC',
    '-pthread',
    // Zig links its libc++ statically: no libstdc++, so no GLIBCXX version,
    // is needed. Only the Node-API entry points are exported.
    `-Wl,--version-script=${path.join(__dirname, 'node-api-exports.map')}`,
    // musl's own CMSG_NXTHDR macro compares signed with unsigned; the same
    // sources are built with the warning on for glibc.
    ...(target.libc === 'musl' ? ['-Wno-sign-compare'] : []),
  ];
}

/** Compiles and links `sources` (relative to the package root) into `output`. */
function compileAddon({ target, sources, output, strip, what }) {
  const include = [path.join(ROOT, 'addon'), require('node-addon-api').include_dir, nodeHeaders()];
  zigCxx(
    [
      '-target',
      target.zig,
      ...addonCompileFlags(),
      '-O2',
      ...include.flatMap((dir) => ['-I', dir]),
      '-shared',
      ...targetFlags(target, output),
      ...(strip ? ['-s'] : []),
      '-o',
      output,
      ...sources.map((source) => path.join(ROOT, source)),
    ],
    what,
  );
}

module.exports = { compileAddon };
