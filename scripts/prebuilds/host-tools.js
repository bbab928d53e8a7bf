'use strict';
// The Debian tools the checks read and run binaries with, installed with
// apt-get when missing (as .ci/run does for clang).
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');

/** Each command the checks use, and the Debian package that brings it. */
const TOOLS = {
  readelf: 'binutils',
  'llvm-objdump': 'llvm',
  'qemu-aarch64': 'qemu-user',
  'ld-musl-x86_64.so.1': 'musl',
  'aarch64-linux-gnu sysroot': 'libc6-arm64-cross',
  'aarch64 libstdc++': 'libstdc++6-arm64-cross',
};
const PATHS = {
  'ld-musl-x86_64.so.1': '/lib/ld-musl-x86_64.so.1',
  'aarch64-linux-gnu sysroot': '/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1',
  'aarch64 libstdc++': '/usr/aarch64-linux-gnu/lib/libstdc++.so.6',
};
/** Where arm64 Node finds its dynamic loader and libraries under qemu. */
const AARCH64_SYSROOT = '/usr/aarch64-linux-gnu';

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function present(tool) {
  return PATHS[tool] ? fs.existsSync(PATHS[tool]) : onPath(tool);
}

/** Installs the packages of whichever `tools` are missing. */
function ensureTools(tools) {
  const packages = [...new Set(tools.filter((tool) => !present(tool)).map((tool) => TOOLS[tool]))];
  if (packages.length === 0) return;
  console.log(`installing ${packages.join(' ')} (Debian packages)`);
  const [command, ...prefix] = process.getuid() === 0 ? ['apt-get'] : ['sudo', 'apt-get'];
  const apt = (args) => execFileSync(command, [...prefix, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    apt(['install', '-y', '-q', ...packages]);
  } catch {
    apt(['update', '-q']);
    apt(['install', '-y', '-q', ...packages]);
  }
}

/** llvm-objdump under its plain or its versioned Debian name. */
function llvmObjdump() {
  const names = ['llvm-objdump', ...[19, 18, 17, 16, 15, 14].map((version) => `llvm-objdump-${version}`)];
  const found = names.find(onPath);
  if (!found) throw new Error('no llvm-objdump: it reads the Mach-O load commands (Debian package llvm)');
  return found;
}

module.exports = { AARCH64_SYSROOT, ensureTools, llvmObjdump };
