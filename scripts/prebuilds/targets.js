'use strict';
// Every prebuild the package ships: where it goes, what Zig builds it for,
// and the oldest system it must load on (checked by floors.js).
//
// Names follow node-gyp-build's tags, which the loader (lib/loader.ts) and
// @electron/rebuild read too: `node.napi` = any Node-API host; `.musl` = musl
// libc only (node-gyp-build rejects it on glibc and prefers it on musl);
// `.armv8` = the one name @electron/rebuild looks for on arm64.

/** glibc 2.17 (CentOS 7, Amazon Linux 2): below the 2.28 the official Node 18+ builds need. */
const GLIBC_FLOOR = '2.17';
/** macOS 11: the oldest SDK Zig 0.11 ships, and what Electron 33+ and Node 22 require. */
const MACOS_FLOOR = '11.0';
/** Windows 10 / Server 2016: what Node 20 and Electron support, and the API level the build targets. */
const WINDOWS_FLOOR = '10';

const TARGETS = [
  {
    name: 'linux-x64',
    dir: 'linux-x64',
    files: ['node.napi.node'],
    zig: `x86_64-linux-gnu.${GLIBC_FLOOR}`,
    os: 'linux',
    libc: 'glibc',
    machine: 'X86-64',
    floor: GLIBC_FLOOR,
  },
  {
    name: 'linux-arm64',
    dir: 'linux-arm64',
    files: ['node.napi.node', 'node.napi.armv8.node'],
    zig: `aarch64-linux-gnu.${GLIBC_FLOOR}`,
    os: 'linux',
    libc: 'glibc',
    machine: 'AArch64',
    floor: GLIBC_FLOOR,
  },
  {
    name: 'linux-x64-musl',
    dir: 'linux-x64',
    files: ['node.napi.musl.node'],
    zig: 'x86_64-linux-musl',
    os: 'linux',
    libc: 'musl',
    machine: 'X86-64',
    floor: null,
  },
  {
    name: 'darwin-x64',
    dir: 'darwin-x64',
    files: ['node.napi.node'],
    zig: `x86_64-macos.${MACOS_FLOOR}`,
    os: 'mac',
    machine: 'X86_64',
    floor: MACOS_FLOOR,
  },
  {
    name: 'darwin-arm64',
    dir: 'darwin-arm64',
    files: ['node.napi.node', 'node.napi.armv8.node'],
    zig: `aarch64-macos.${MACOS_FLOOR}`,
    os: 'mac',
    machine: 'ARM64',
    floor: MACOS_FLOOR,
  },
  {
    name: 'win32-x64',
    dir: 'win32-x64',
    files: ['node.napi.node'],
    // mingw-w64 (scripts/build-win32.js), not Zig: the delay-load import
    // library that binds Node-API to any host executable is made there.
    builder: 'mingw-w64',
    os: 'win',
    machine: 'x86-64',
    floor: WINDOWS_FLOOR,
  },
];

/** Platforms the package is meant for that no prebuild covers yet, and why. */
const NOT_YET_BUILT = [];

module.exports = { GLIBC_FLOOR, MACOS_FLOOR, NOT_YET_BUILT, TARGETS, WINDOWS_FLOOR };
