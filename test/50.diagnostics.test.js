'use strict';
// NODE_DEBUG=rendezvous tells what happened, from both processes and both
// layers.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const { test } = require('node:test');

const { fixture } = require('./support/children');
const { rawPeerPath } = require('./support/raw-peer');

// The malformed request comes from the raw peer, which speaks the Linux
// transport; elsewhere only the good rendezvous runs.
const LINUX = process.platform === 'linux';
// What comes before the server's name: the abstract namespace's '@', the
// named pipes' namespace on Windows, nothing for a bootstrap name.
const ENDPOINT_NAMESPACE = LINUX ? '@' : process.platform === 'win32' ? '\\\\.\\pipe\\' : '';

function runParent(env) {
  const args = [fixture('debug-parent.js'), ...(LINUX ? [rawPeerPath()] : [])];
  const result = childProcess.spawnSync(process.execPath, args, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20000,
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stderr;
}

test('NODE_DEBUG=rendezvous logs registrations, requests, replies and refusals', () => {
  const log = runParent({ NODE_DEBUG: 'rendezvous' });
  const parent = log.match(/^RENDEZVOUS (\d+): server started/m)?.[1];
  assert.ok(parent, log);
  const child = log.match(/^RENDEZVOUS \d+: bound launch \d+ to pid (\d+)$/m)?.[1];
  assert.ok(child, log);
  for (const line of [
    `RENDEZVOUS ${parent}: native server listening at ${ENDPOINT_NAMESPACE}electron-port-rendezvous.`,
    `RENDEZVOUS ${parent}: prepared launch 1 with 1 rights`,
    `RENDEZVOUS ${parent}: native request from pid ${child}`,
    `RENDEZVOUS ${parent}: native replied to pid ${child} with 1 rights`,
    `RENDEZVOUS ${child}: native received 1 rights`,
    `RENDEZVOUS ${child}: received 1 rights in `,
    ...(LINUX ? [': malformed request'] : []),
    `RENDEZVOUS ${parent}: native server stopped`,
  ]) {
    assert.ok(log.includes(line), `missing "${line}" in:\n${log}`);
  }
});

test('without NODE_DEBUG nothing is logged', () => {
  assert.equal(runParent({ NODE_DEBUG: '' }), '');
});
