'use strict';
// `npm run build:prebuilds`: every Node-API prebuild the package ships
// (scripts/prebuilds/targets.js), cross-built from Linux x64 with Zig (and
// Windows' with mingw-w64) into prebuilds/<platform>-<arch>/, so that
// `npm install` compiles nothing. A binary that needs more of the system than
// its target's floor (a newer glibc symbol version, libstdc++, glibc under
// musl, a newer macOS, a DLL Windows does not ship) fails the build and is
// not placed. `--only name,name` builds some of them.
const fs = require('node:fs');
const path = require('node:path');

const { addonSources } = require('./addon-sources');
const { buildWindowsAddon } = require('./build-win32');
const { compileAddon } = require('./prebuilds/compile');
const { checkFloor } = require('./prebuilds/floors');
const { ensureTools } = require('./prebuilds/host-tools');
const { NOT_YET_BUILT, TARGETS } = require('./prebuilds/targets');
const { requireLinuxX64 } = require('./prebuilds/zig');

const ROOT = path.join(__dirname, '..');
const STAGING = path.join(ROOT, 'build', 'prebuilds');

function selectedTargets() {
  const index = process.argv.indexOf('--only');
  if (index === -1) return TARGETS;
  const names = process.argv[index + 1]?.split(',') ?? [];
  const unknown = names.filter((name) => !TARGETS.some((target) => target.name === name));
  if (names.length === 0 || unknown.length > 0) {
    console.error(
      `build:prebuilds: --only takes names among ${TARGETS.map((target) => target.name).join(', ')}`,
    );
    process.exit(1);
  }
  return TARGETS.filter((target) => names.includes(target.name));
}

async function build(target, output) {
  if (target.builder === 'mingw-w64') {
    await buildWindowsAddon({ output });
    return;
  }
  compileAddon({
    target,
    sources: addonSources(target.os),
    output,
    strip: true,
    what: `build:prebuilds ${target.name}`,
  });
}

async function main() {
  requireLinuxX64('build:prebuilds');
  ensureTools(['readelf', 'llvm-objdump']);
  let failed = false;
  for (const target of selectedTargets()) {
    fs.mkdirSync(path.join(STAGING, target.name), { recursive: true });
    const staged = path.join(STAGING, target.name, target.files[0]);
    const started = Date.now();
    await build(target, staged);
    const { highest, problems } = checkFloor(target, staged);
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    if (problems.length > 0) {
      console.error(`build:prebuilds: ${target.name} breaks its floor:\n  ${problems.join('\n  ')}`);
      failed = true;
      continue;
    }
    const dir = path.join(ROOT, 'prebuilds', target.dir);
    fs.mkdirSync(dir, { recursive: true });
    for (const file of target.files) fs.copyFileSync(staged, path.join(dir, file));
    const size = `${(fs.statSync(staged).size / 1024).toFixed(0)} KiB`;
    const names = target.files.map((file) => `prebuilds/${target.dir}/${file}`).join(', ');
    console.log(
      `build:prebuilds: ${names} (${target.zig ?? target.builder}, ${size}, needs ${highest}; ${seconds} s)`,
    );
  }
  for (const { name, why } of NOT_YET_BUILT) console.log(`build:prebuilds: no ${name} prebuild: ${why}`);
  if (failed) process.exit(1);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
