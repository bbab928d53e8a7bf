'use strict';
// A handle whose release fails (here a descriptor number some other close
// already freed) is named under NODE_DEBUG=rendezvous: the native owners log
// through the process-wide log the addon turns on as it loads.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');

const ROOT = path.join(__dirname, '..');
// Far above any descriptor a fresh Node process has open.
const CLOSED_FD = 1000;

// Releases CLOSED_FD as a received descriptor (kind 0) on the release
// thread; the environment's teardown waits for that thread.
function releaseClosedFd(nodeDebug) {
  const script = `
    const fs = require('node:fs');
    try { fs.fstatSync(${CLOSED_FD}); process.exit(2); } catch {}
    require('./dist/lib/native').native().releaseRight(${CLOSED_FD}, 0);
  `;
  const result = childProcess.spawnSync(process.execPath, ['-e', script], {
    cwd: ROOT,
    env: { ...process.env, NODE_DEBUG: nodeDebug },
    encoding: 'utf8',
    timeout: 20000,
  });
  assert.equal(result.status, 0, result.stderr);
  return { pid: result.pid, stderr: result.stderr };
}

test('a failed close is logged under NODE_DEBUG=rendezvous', () => {
  for (const nodeDebug of ['rendezvous', 'net,RENDEZ*']) {
    const { pid, stderr } = releaseClosedFd(nodeDebug);
    assert.match(
      stderr,
      new RegExp(`^RENDEZVOUS ${pid}: native close\\(${CLOSED_FD}\\) failed: Bad file descriptor$`, 'm'),
      `NODE_DEBUG=${nodeDebug}`,
    );
  }
});

test('without NODE_DEBUG=rendezvous a failed close is quiet', () => {
  for (const nodeDebug of ['', 'net', 'rendezvous2']) {
    assert.equal(releaseClosedFd(nodeDebug).stderr, '', `NODE_DEBUG=${nodeDebug}`);
  }
});
