'use strict';
// `npm run test:e2e`: the Playwright `_electron` tests, wherever an Electron
// binary is installed (`npm run setup:electron`). Where none is, says so in
// one line and exits 0: a skipped suite, never reported as passed.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { electronBinary } = require('../example/electron-binary');

const ROOT = path.join(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'example');

if (!electronBinary()) {
  console.log(
    'e2e: SKIPPED (0 run): no Electron binary installed; `npm run setup:electron` installs one where its download host is reachable',
  );
  process.exit(0);
}

// Chromium's sandbox needs unprivileged user namespaces (or a SUID helper
// that an npm install does not set up); Ubuntu 24.04 restricts them.
const USERNS_SYSCTL = '/proc/sys/kernel/apparmor_restrict_unprivileged_userns';
if (process.platform === 'linux' && process.getuid() !== 0 && readSysctl(USERNS_SYSCTL) === '1') {
  console.log(
    'e2e: unprivileged user namespaces are restricted, so Electron may abort on its sandbox: `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (CI does)',
  );
}

function readSysctl(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// The packaged (asar) app is one of the things under test.
run('npm', ['run', 'package'], { cwd: EXAMPLE });

const playwright = [
  path.join(EXAMPLE, 'node_modules', '.bin', 'playwright'),
  'test',
  '-c',
  path.join(__dirname, 'playwright.config.js'),
];
// The specs find @playwright/test in example/node_modules.
const env = { ...process.env, NODE_PATH: path.join(EXAMPLE, 'node_modules') };
const headless = process.platform === 'linux' && !process.env.DISPLAY;
if (headless) run('xvfb-run', ['--auto-servernum', ...playwright], { env });
else run(playwright[0], playwright.slice(1), { env });
