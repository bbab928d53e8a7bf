'use strict';
// `npm run setup:electron`: installs the example app's Electron tooling
// (Electron, Electron Forge, Playwright) into example/, with this checkout's
// package in it as a user would install it, and downloads Electron's binary.
// Needs Electron's download host; `npm install` at the top never does.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'example');
const run = (command, args, cwd) => execFileSync(command, args, { cwd, stdio: 'inherit' });

try {
  // The copy installed into example/ carries a Node-API prebuild, which
  // serves Electron as it serves Node: no compiler, no @electron/rebuild.
  run('npm', ['run', 'build:prebuild'], ROOT);
  run('npm', ['install', '--no-audit', '--no-fund'], EXAMPLE);
  // Electron's own postinstall may not have run (npm can hold back
  // dependency install scripts); its installer is idempotent.
  run(process.execPath, [path.join(EXAMPLE, 'node_modules', 'electron', 'install.js')], EXAMPLE);
  console.log('setup:electron: done; `npm start` now runs the Electron app and `npm run test:e2e` its tests');
} catch (error) {
  console.error(`setup:electron failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(path.join(ROOT, 'prebuilds'), { recursive: true, force: true });
  // prebuildify builds in build/ and leaves it empty: restore the local build.
  run('npm', ['run', 'build:addon'], ROOT);
}
