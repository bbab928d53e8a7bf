'use strict';
// `npm run build:prebuild`: one Node-API binary for this platform-arch, in
// prebuilds/<platform>-<arch>/, under the names node-gyp-build and
// @electron/rebuild both recognise: node.napi.node, and on arm64 also
// node.napi.armv8.node, the only name @electron/rebuild looks for there.
// (prebuildify names it after the package, which @electron/rebuild does not
// find, and then compiles the addon instead.)
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const dir = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`);
// Its script run by this Node: node_modules/.bin holds only a .cmd shim on Windows.
const prebuildify = require.resolve('prebuildify/bin.js');

execFileSync(process.execPath, [prebuildify, '--napi', '--strip'], { cwd: ROOT, stdio: 'inherit' });
const built = path.join(dir, 'electron-port-rendezvous.node');
const named = path.join(dir, 'node.napi.node');
fs.renameSync(built, named);
console.log(`prebuild: ${path.relative(ROOT, named)}`);
if (process.arch === 'arm64') {
  const armv8 = path.join(dir, 'node.napi.armv8.node');
  fs.copyFileSync(named, armv8);
  console.log(`prebuild: ${path.relative(ROOT, armv8)}`);
}
