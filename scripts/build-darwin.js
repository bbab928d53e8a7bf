'use strict';
// `npm run build:darwin`: cross-compiles and links the addon for macOS
// (arm64 and x86_64) from Linux x64 with Zig, whose bundled SDK headers and
// libSystem stubs let the macOS backend be checked without a Mac: the addon
// and the macOS tests' helper addon (test/support/mach-helper), into
// build/darwin-<arch>/. The prebuilds are the same compile
// (scripts/build-prebuilds.js).
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

const { addonSources } = require('./addon-sources');
const { compileAddon } = require('./prebuilds/compile');
const { TARGETS } = require('./prebuilds/targets');
const { requireLinuxX64 } = require('./prebuilds/zig');

const ROOT = path.join(__dirname, '..');

requireLinuxX64('build:darwin');
const outputs = [
  { file: 'electron_port_rendezvous.node', sources: addonSources('mac') },
  { file: 'mach_helper.node', sources: ['test/support/mach-helper/mach_helper.cc'] },
];
for (const target of TARGETS.filter(({ os }) => os === 'mac')) {
  const outDir = path.join(ROOT, 'build', target.name);
  fs.mkdirSync(outDir, { recursive: true });
  for (const { file, sources } of outputs) {
    const output = path.join(outDir, file);
    console.log(`== ${target.name}: ${file} from ${sources.length} sources`);
    compileAddon({ target, sources, output, strip: true, what: `build:darwin ${target.name}` });
    console.log(execFileSync('file', [output], { encoding: 'utf8' }).trim());
  }
}
