'use strict';
// `npm run check:prebuilds`: every prebuild in prebuilds/ (as build:prebuilds
// made them) against its floor, then loaded by a real runtime where this
// machine has one, each running a real two-process rendezvous with it:
// linux-x64 by this Node and by Node 18, linux-arm64 by arm64 Node under
// qemu-aarch64, musl through musl's loader (no musl Node is on npm),
// win32-x64 by Windows Node under Wine, darwin only linked here (the macOS
// workflow jobs load those). Prints one table
// row per binary; exits 1 if any check failed.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { checkFloor } = require('./prebuilds/floors');
const { ensureTools } = require('./prebuilds/host-tools');
const { resolveUnderMusl } = require('./prebuilds/musl-resolve');
const { runtimes } = require('./prebuilds/runtimes');
const { NOT_YET_BUILT, TARGETS } = require('./prebuilds/targets');
const { WINDOWS_NODE_LABEL, runWindowsNode } = require('./win32/toolchain');

const ROOT = path.join(__dirname, '..');

/** Runs the rendezvous check with `runtime` on `file`; its one line of output. */
function rendezvous(runtime, file) {
  return execFileSync(
    runtime.command,
    [path.join(__dirname, 'prebuilds', 'rendezvous-check.js'), ROOT, file, runtime.command],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ELECTRON_PORT_RENDEZVOUS_ADDON: file },
    },
  ).trim();
}

/** The same check by Windows node.exe under Wine. */
function rendezvousUnderWine(file) {
  const check = path.join(__dirname, 'prebuilds', 'rendezvous-check.js');
  const { status, signal, output } = runWindowsNode([check, ROOT, file], {
    env: { ELECTRON_PORT_RENDEZVOUS_ADDON: file },
  });
  if (status !== 0) throw new Error(`exited ${status ?? signal}: ${output.trim()}`);
  return output.trim();
}

/** Who can load `target`'s binaries on this machine, and how. */
function loadersFor(target, available) {
  if (target.os === 'mac') return [];
  if (target.os === 'win') return [{ label: WINDOWS_NODE_LABEL, underWine: true }];
  if (target.libc === 'musl') return ['musl'];
  return target.machine === 'AArch64' ? [available.node20arm64] : [available.node20x64, available.node18x64];
}

ensureTools(['readelf', 'llvm-objdump', 'ld-musl-x86_64.so.1']);
const available = runtimes();
const rows = [];
let failed = false;
for (const target of TARGETS) {
  for (const name of target.files) {
    const file = path.join(ROOT, 'prebuilds', target.dir, name);
    const relative = path.relative(ROOT, file);
    if (!fs.existsSync(file)) {
      console.error(`check:prebuilds: ${relative} is missing (npm run build:prebuilds)`);
      failed = true;
      continue;
    }
    const { highest, problems } = checkFloor(target, file);
    const loadedBy = [];
    for (const loader of loadersFor(target, available)) {
      try {
        if (loader === 'musl') {
          const musl = resolveUnderMusl(file, available.node18x64.command);
          problems.push(...musl.problems);
          loadedBy.push(
            `musl 1.2 ld.so: ${musl.libraries.join(', ')}; ${musl.fromNode} symbols left to Node, all exported by Node 18`,
          );
        } else {
          console.log(loader.underWine ? rendezvousUnderWine(file) : rendezvous(loader, file));
          loadedBy.push(`${loader.label}: rendezvous`);
        }
      } catch (error) {
        problems.push(`${loader.label ?? loader} could not run it: ${error.message.split('\n')[0]}`);
      }
    }
    if (target.os === 'mac') loadedBy.push('linked here; loaded by the macOS workflow jobs');
    for (const problem of problems) console.error(`check:prebuilds: ${relative}: ${problem}`);
    failed ||= problems.length > 0;
    const size = `${(fs.statSync(file).size / 1024).toFixed(0)} KiB`;
    rows.push(
      `| ${relative} | ${size} | ${highest} | ${loadedBy.join('; ')} | ${problems.length ? 'FAIL' : 'ok'} |`,
    );
  }
}
for (const { name, why } of NOT_YET_BUILT) rows.push(`| (${name}) | — | — | not produced: ${why} | — |`);
console.log(
  [
    '',
    '| prebuild | size | highest need | loaded here by | |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n'),
);
process.exit(failed ? 1 : 0);
