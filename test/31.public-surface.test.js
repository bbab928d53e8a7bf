'use strict';
// What the public objects promise beyond their methods: a stopped server
// says so, launches cannot be forged, and every error of the package is
// recognisable as one.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { test } = require('node:test');

const { PendingLaunch, RendezvousError, RendezvousServer } = require('../dist/main');
const { RendezvousClient } = require('../dist/preload');
const { fdIsOpen, makePipe } = require('./support/fds');
const { CLOSED_FD_CALL } = require('./support/platform');

const STOPPED = { code: 'ERR_RENDEZVOUS_SERVER_STOPPED' };

function thrownBy(action) {
  try {
    action();
  } catch (error) {
    return error;
  }
  assert.fail('nothing was thrown');
}

test('a stopped server refuses stats() and childEnv, and keeps its endpoint', () => {
  const stopped = RendezvousServer.instance();
  const { endpoint } = stopped;
  stopped.stop();
  const running = RendezvousServer.instance();
  const { readFd, writeFd } = makePipe();
  const launch = running.prepareLaunch({ 1: { fd: writeFd, disposition: 'move' } });
  try {
    // The counts would be the new server's, and the environment would send
    // a child to an endpoint nobody listens on.
    assert.throws(() => stopped.stats(), STOPPED);
    assert.throws(() => stopped.childEnv, STOPPED);
    assert.equal(stopped.endpoint, endpoint);
    assert.notEqual(running.endpoint, endpoint);
    stopped.stop();
    assert.deepEqual(running.stats(), { registrations: 0, pendingLaunches: 1, heldRequests: 0 });
  } finally {
    launch.cancel();
    running.stop();
    fs.closeSync(readFd);
  }
});

test('a PendingLaunch made outside prepareLaunch() is refused and cannot cancel a real one', () => {
  const server = RendezvousServer.instance();
  const { readFd, writeFd } = makePipe();
  const launch = server.prepareLaunch({ 1: { fd: writeFd, disposition: 'move' } });
  try {
    // Launch ids are small counters: a forger would simply try them.
    const forgeries = [[], [Symbol('PendingLaunch'), 1, {}]];
    for (let id = 1; id <= 16; id++) forgeries.push([id, {}]);
    for (const args of forgeries) {
      assert.throws(() => new PendingLaunch(...args).cancel(), {
        name: 'TypeError',
        code: 'ERR_RENDEZVOUS_INVALID_ARGUMENT',
      });
    }
    assert.equal(server.stats().pendingLaunches, 1);
    assert.ok(fdIsOpen(writeFd), 'the moved descriptor is still held for the launch');
  } finally {
    launch.cancel();
    server.stop();
    fs.closeSync(readFd);
  }
});

test('a ReceivedFd or Mach right wrapper made outside the package is refused and closes nothing', () => {
  const { MachReceiveRight, MachSendRight, ReceivedFd } = require('../dist/main');
  const { readFd, writeFd } = makePipe();
  try {
    for (const Wrapper of [ReceivedFd, MachSendRight, MachReceiveRight]) {
      for (const args of [[readFd], [Symbol('made-here'), readFd, 0]]) {
        assert.throws(() => new Wrapper(...args).close(), {
          name: 'TypeError',
          code: 'ERR_RENDEZVOUS_INVALID_ARGUMENT',
        });
      }
    }
    assert.equal(fdIsOpen(readFd), true, 'the descriptor a forger named is still open');
  } finally {
    fs.closeSync(readFd);
    fs.closeSync(writeFd);
  }
});

test('instanceof RendezvousError recognises errors from the addon and from the TypeScript layer', () => {
  const server = RendezvousServer.instance();
  try {
    const { readFd, writeFd } = makePipe();
    fs.closeSync(readFd);
    fs.closeSync(writeFd);
    const fromAddon = thrownBy(() =>
      server.registerPortsForPid(process.pid, { 1: { fd: writeFd, disposition: 'copy' } }),
    );
    assert.equal(fromAddon.syscall, CLOSED_FD_CALL, 'the addon found the descriptor closed');
    assert.ok(fromAddon instanceof RendezvousError);
    assert.ok(fromAddon instanceof TypeError, 'an argument error is still a TypeError');

    const fromTypeScript = thrownBy(() => server.registerPortsForPid(0, {}));
    assert.equal(fromTypeScript.syscall, undefined);
    assert.ok(fromTypeScript instanceof RendezvousError);
    assert.equal(fromTypeScript.code, 'ERR_RENDEZVOUS_INVALID_PID');
  } finally {
    server.stop();
  }
  assert.ok(RendezvousClient.lastError instanceof RendezvousError, 'a failed rendezvous too');

  const lookalikes = [
    new Error('no code'),
    Object.assign(new Error('another library'), { code: 'ERR_INVALID_ARG_TYPE' }),
    { code: 'ERR_RENDEZVOUS_CLOSED', message: 'not an error' },
    null,
  ];
  for (const value of lookalikes) assert.equal(value instanceof RendezvousError, false);
  assert.throws(() => new RendezvousError(), { name: 'TypeError' });
});
