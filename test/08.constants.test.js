'use strict';
// The addon is the one source of the limits, RightKind values, default
// dispositions and zero-copy mode: the TypeScript layer's view of each is
// what the addon itself (loaded directly, not through lib/) exports, and the
// addon picks each object's disposition itself.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, test } = require('node:test');

const addon = require(
  process.env.ELECTRON_PORT_RENDEZVOUS_ADDON ??
    path.join(__dirname, '..', 'build', 'Release', 'electron_port_rendezvous.node'),
);
const limits = require('../dist/lib/limits');
const keys = require('../dist/lib/keys');
const { RightKind, constants } = require('../dist/lib/native');
const rendezvous = require('../dist/main');

before(() => addon.startServer({}));
after(() => addon.stopServer());

test('the TypeScript limits are the addon’s, and the addon’s constants are frozen', () => {
  const { limits: native } = addon.constants;
  assert.equal(limits.MAX_RIGHTS_PER_PROCESS, native.maxRightsPerProcess);
  assert.equal(rendezvous.MAX_RIGHTS_PER_PROCESS, native.maxRightsPerProcess);
  assert.equal(limits.MAX_KEY, native.maxKey);
  assert.equal(limits.MAX_SHARED_MEMORY_BYTES, native.maxSharedMemoryBytes);
  assert.equal(limits.MAX_HANDLES_PER_MESSAGE, native.maxHandlesPerMessage);
  assert.equal(limits.DEFAULT_PENDING_REQUEST_TIMEOUT_MS, native.defaultPendingRequestTimeoutMs);
  assert.deepEqual(constants, addon.constants);
  // The values the public types and docs name.
  assert.deepEqual(
    { ...native },
    {
      maxRightsPerProcess: 64,
      maxKey: 0xffffffff,
      maxSharedMemoryBytes: 2 ** 36,
      maxHandlesPerMessage: 64,
      defaultPendingRequestTimeoutMs: 10000,
      defaultRequestReadTimeoutMs: 2000,
      defaultMaxHeldRequests: 128,
      defaultMaxConnections: 256,
      maxServerTimeoutMs: 3600000,
      maxServerCapacity: 65536,
    },
  );
  for (const object of [
    addon.constants,
    native,
    addon.constants.rightKind,
    addon.constants.defaultDispositions,
  ]) {
    assert.ok(Object.isFrozen(object));
  }
});

test('RightKind values come from the addon by name', () => {
  assert.equal(RightKind, addon.constants.rightKind);
  assert.deepEqual(Object.keys(RightKind), [
    'Fd',
    'SendRight',
    'ReceiveRight',
    'SendOnceRight',
    'SharedMemory',
    'Channel',
    'Handle',
  ]);
  assert.deepEqual(Object.values(RightKind), [0, 1, 2, 3, 4, 5, 6]);
});

test('the backend reports its default dispositions and whether Mach ports exist', () => {
  const mac = process.platform === 'darwin';
  assert.deepEqual(
    { ...addon.constants.defaultDispositions },
    mac
      ? { sharedFd: 'copy', sharedRegion: 'copy-send', channelEnd: 'move-receive' }
      : { sharedFd: 'copy', sharedRegion: 'copy', channelEnd: 'move' },
  );
  assert.equal(addon.constants.machPorts, mac);
});

test('a right count over the limit is refused with one message, by TypeScript and the addon alike', () => {
  const ports = Object.fromEntries(
    Array.from({ length: 65 }, (_, key) => [key, { fd: 0, disposition: 'copy' }]),
  );
  const server = rendezvous.RendezvousServer.instance();
  let fromTs;
  assert.throws(
    () => server.prepareLaunch(ports),
    (error) => (fromTs = error) instanceof RangeError && error.code === 'ERR_RENDEZVOUS_TOO_MANY_RIGHTS',
  );
  const specs = Array.from({ length: 65 }, (_, key) => ({ key, handle: 0, disposition: 'copy' }));
  assert.throws(() => addon.prepareLaunch(specs), { name: 'RangeError', message: fromTs.message });
  assert.equal(fromTs.message, 'At most 64 rights can be registered for one process, not 65');
  assert.throws(() => addon.checkRightCount(65), { message: fromTs.message });
  addon.checkRightCount(64);
});

const isOpen = (fd) => {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

test(
  'without a disposition the addon sends a handle as the backend sends what it carries',
  { skip: process.platform !== 'linux' && 'descriptor numbers stand for channel ends only on Linux' },
  () => {
    // A channel end is moved: cancelling the launch closes it.
    const [end, peer] = addon.createChannelPair();
    const channelFd = end.release();
    addon.cancelLaunch(addon.prepareLaunch([{ key: 1, handle: channelFd, payload: RightKind.Channel }]));
    assert.equal(isOpen(channelFd), false, 'the moved end was closed with the launch');
    peer.close();
    // A plain descriptor is copied: the caller's stays open.
    const fd = fs.openSync(__filename, 'r');
    try {
      addon.cancelLaunch(addon.prepareLaunch([{ key: 1, handle: fd }]));
      assert.equal(isOpen(fd), true, 'the caller keeps its descriptor');
    } finally {
      fs.closeSync(fd);
    }
  },
);

test('a region is handed to the addon as its object, never its handle number', () => {
  const region = addon.createSharedMemory(4096);
  const launch = addon.prepareLaunch([{ key: 1, region }]);
  assert.ok(addon.serverStats().pendingLaunches >= 1);
  addon.cancelLaunch(launch);
  assert.equal(region.byteLength, 4096, 'the caller keeps its region');
  const closed = addon.createSharedMemory(16);
  closed.close();
  const notRegions = [closed, {}, 7, Object.create(Object.getPrototypeOf(region)), end()];
  for (const bad of notRegions) {
    assert.throws(() => addon.prepareLaunch([{ key: 1, region: bad }]), {
      code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
    });
  }
  region.close();
  assert.equal(keys.checkKey(limits.MAX_KEY), limits.MAX_KEY);
});

function end() {
  const [one, other] = addon.createChannelPair();
  other.close();
  return one;
}
