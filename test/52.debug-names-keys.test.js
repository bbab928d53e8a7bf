'use strict';
// NODE_DEBUG=rendezvous in a child names the keys it received, says why a
// take*() found nothing, and logs channel and shared memory lifetimes,
// handles closed because nobody took them included.
const assert = require('node:assert/strict');
const { once } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const { after, afterEach, before, test } = require('node:test');

const rendezvous = require('../dist/main');
const { Channel, SharedMemory } = rendezvous;
const { fixture, firstMessage, killStragglers, track } = require('./support/children');

let server;
before(() => {
  server = rendezvous.RendezvousServer.instance();
});
afterEach(killStragglers);
after(() => server.stop());

test('a child’s debug log names keys, take*() misses, untaken handles and region lifetimes', async () => {
  const [channel, theirs] = Channel.pair();
  const region = SharedMemory.create(4096);
  const child = track(
    rendezvous.fork(fixture('debug-misses.js'), [], {
      env: { ...process.env, NODE_DEBUG: 'rendezvous' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      ports: { 1: { fd: fs.openSync(os.devNull, 'r'), disposition: 'move' }, 2: theirs, 3: region },
    }),
  );
  let log = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => (log += chunk));
  region.close();

  assert.equal(await firstMessage(child), 'ready');
  const devNull = fs.openSync(os.devNull, 'r');
  channel.postMessage('an fd nobody takes', [{ fd: devNull, disposition: 'move' }]);
  assert.equal(await firstMessage(child), 'first read');
  const late = SharedMemory.create(4096);
  channel.postMessage('nobody listens any more', [late]);
  late.close();
  channel.close();
  assert.equal(await firstMessage(child), 'done');
  child.disconnect();
  await once(child, 'exit');

  const lines = log.split('\n').filter((line) => line.startsWith(`RENDEZVOUS ${child.pid}: `));
  for (const expected of [
    /received 3 rights in [\d.]+ ms \(keys: 1, 2, 3\)$/,
    /took the right under key 1$/,
    /takeFd\(1\) found nothing: the right under this key was already taken$/,
    /takeSharedMemory\(9\) found nothing: no right was received under this key \(not taken yet: 2, 3\)$/,
    /shared memory: mapped a 4096-byte region that arrived \(handle \d+\)$/,
    /shared memory: closed a 4096-byte region \(handle \d+\)$/,
    /shared memory: created a 8192-byte region \(handle \d+\)$/,
    /shared memory: closed a 8192-byte region \(handle \d+\)$/,
    /channel 1: an end arrived$/,
    /channel 1: fd \d+ \(handle 0 of a message\) was not taken during 'message'; it is closed$/,
    /channel 1: no 'message' listener; the message's 1 handles are closed$/,
    /channel 1: closed: the peer closed its end or is gone$/,
  ]) {
    assert.ok(
      lines.some((line) => expected.test(line)),
      `no line matches ${expected} in:\n${log}`,
    );
  }
});
