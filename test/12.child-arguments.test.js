'use strict';
// The child refuses the same arguments the parent does, with the same errors.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { after, afterEach, before, test } = require('node:test');

const rendezvous = require('../dist/main');
const { BAD_KEYS, outcome } = require('./support/bad-keys');
const { firstMessage, fixture, killStragglers, track } = require('./support/children');

let server;
before(() => {
  server = rendezvous.RendezvousServer.instance();
});
afterEach(killStragglers);
after(() => server.stop());

/** What the parent says when `key` names a right (in a Map, so it stays as it is). */
function parentRefusal(key) {
  const fd = fs.openSync('/dev/null', 'r');
  try {
    return outcome(() =>
      server.registerPortsForPid(process.pid, new Map([[key, { fd, disposition: 'copy' }]])),
    );
  } finally {
    fs.closeSync(fd);
  }
}

test('every take*() refuses a bad key as registration does, even while key 1 exists', async () => {
  const fd = fs.openSync('/dev/null', 'r');
  const child = track(
    rendezvous.fork(fixture('take-bad-keys.js'), [], { ports: { 1: { fd, disposition: 'move' } } }),
  );
  const { outcomes, keysAfter, fdStillTakeable } = await firstMessage(child);
  for (const [name, key] of Object.entries(BAD_KEYS)) {
    const expected = parentRefusal(key);
    assert.equal(expected.code, 'ERR_RENDEZVOUS_INVALID_KEY', `the parent refuses ${name}`);
    assert.match(expected.class, /^(TypeError|RangeError)$/);
    for (const [method, said] of Object.entries(outcomes[name])) {
      assert.deepEqual(said, expected, `${method}(${name}) in the child`);
    }
  }
  assert.deepEqual(keysAfter, [1], 'no bad key took the right under key 1');
  assert.equal(fdStillTakeable, true);
  child.disconnect();
});

test('an array as ports is refused, as the docs say, and nothing is registered', () => {
  const fd = fs.openSync('/dev/null', 'r');
  try {
    assert.throws(
      () => server.registerPortsForPid(process.pid, [{ fd, disposition: 'copy' }]),
      (error) => {
        assert.equal(error.constructor, TypeError);
        assert.equal(error.code, 'ERR_RENDEZVOUS_INVALID_ARGUMENT');
        return true;
      },
    );
    assert.throws(() => server.prepareLaunch([]), { code: 'ERR_RENDEZVOUS_INVALID_ARGUMENT' });
    assert.equal(server.stats().registrations, 0);
    assert.equal(server.stats().pendingLaunches, 0);
  } finally {
    fs.closeSync(fd);
  }
});
