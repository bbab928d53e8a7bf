'use strict';
// The whole shared-memory suite (test/60 and test/61) again, in a process
// started with ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy: external
// buffers refused exactly as Electron's memory cage refuses them, so views
// in place are the zero-copy path every test takes.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');

const SUITE = ['60.shared-memory.test.js', '61.in-place-views.test.js'].map((name) =>
  path.join(__dirname, name),
);

test('the shared-memory suite passes with external buffers refused', { timeout: 300000 }, () => {
  // A fresh run, not a subtest of this one (the runner marks its children).
  const env = { ...process.env, ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY: 'copy' };
  delete env.NODE_TEST_CONTEXT;
  const result = childProcess.spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=1', '--test-reporter=tap', ...SUITE],
    { env, encoding: 'utf8', timeout: 290000 },
  );
  const failures = result.stdout.split('\n').filter((line) => /^\s*not ok/.test(line));
  assert.equal(result.status, 0, `${failures.join('\n')}\n${result.stdout.slice(-4000)}${result.stderr}`);
  assert.match(result.stdout, /# fail 0/);
  assert.doesNotMatch(result.stdout, /# pass 0\b/);
});
