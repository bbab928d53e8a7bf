'use strict';
// `npm run bench:win32 [rendezvous|payloads]` (development only): runs a
// benchmark in Windows Node under Wine against the mingw cross-build, with
// the Windows C floor (bench/win32-floor.c) cross-built beside it, so both
// sides are measured in one run under the same Wine. Wine's absolute times
// are not Windows' own: only the ratios mean anything.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const toolchain = require('./win32/toolchain');

const BENCHES = { rendezvous: 'bench/rendezvous.js', payloads: 'bench/payloads.js' };
const OUT = path.join(toolchain.ROOT, 'build', 'win32-x64');

/** A Linux path as Windows programs under Wine see it (Wine maps / to Z:). */
function windowsPath(file) {
  return `Z:${path.resolve(file).replace(/\//g, '\\')}`;
}

function main() {
  const which = process.argv[2] ?? 'rendezvous';
  if (!BENCHES[which]) {
    console.error(`bench:win32: say ${Object.keys(BENCHES).join(' or ')}, not ${which}`);
    process.exit(1);
  }
  toolchain.requireLinuxX64('bench:win32');
  toolchain.ensurePackages();
  execFileSync(process.execPath, [path.join(__dirname, 'build-win32.js')], { stdio: 'inherit' });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], {
    cwd: toolchain.ROOT,
    stdio: 'inherit',
  });
  const floor = path.join(OUT, 'win32-floor.exe');
  execFileSync(`${toolchain.MINGW_PREFIX}gcc`, [
    '-O2',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-o',
    floor,
    path.join(toolchain.ROOT, 'bench', 'win32-floor.c'),
  ]);
  const node = toolchain.windowsNode();
  const env = {
    ...toolchain.ensurePrefix(),
    ELECTRON_PORT_RENDEZVOUS_ADDON: windowsPath(path.join(OUT, 'electron_port_rendezvous.node')),
    RENDEZVOUS_FLOOR_BINARY: windowsPath(floor),
  };
  // Windows Node cannot write to a Unix pipe: its output goes to a file.
  const log = path.join(OUT, `bench-${which}.txt`);
  const output = fs.openSync(log, 'w');
  let status = 0;
  try {
    execFileSync(toolchain.WINE, [node, BENCHES[which]], {
      cwd: toolchain.ROOT,
      env,
      stdio: ['ignore', output, output],
    });
  } catch (error) {
    status = error.status ?? 1;
  } finally {
    fs.closeSync(output);
  }
  process.stdout.write(fs.readFileSync(log, 'utf8'));
  process.exit(status);
}

main();
