'use strict';
// What a channel's peer can make this process hold, and for how long:
// handles nobody takes, regions' address space, and a message that stops
// arriving. The peer is the raw C peer (test/fixtures/raw-channel-peer.c).
//
// Run without --expose-gc on purpose: nothing here may rely on a
// collection to give descriptors or address space back.
const STALL_MS = 400;
process.env.ELECTRON_PORT_RENDEZVOUS_CHANNEL_STALL_MS = String(STALL_MS);

const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const { afterEach, describe, test } = require('node:test');

const { Channel, ReceivedFd, SharedMemory } = require('../dist/main');
const { channelTransfer } = require('../dist/lib/channel');
const { killStragglers, track } = require('./support/children');
const { openFdCount, settledFdCount } = require('./support/fds');
const { rawChannelPeerPath } = require('./support/raw-peer');

afterEach(killStragglers);

/** A channel whose other end is held by the raw peer running `scenario`;
 * `stdout` 'pipe' to hear from the peer. */
function rawPeer(scenario, stdout = 'ignore') {
  const [mine, theirs] = Channel.pair();
  const fd = theirs[channelTransfer.lend]().release();
  const peer = track(
    childProcess.spawn(rawChannelPeerPath(), [scenario], { stdio: ['ignore', stdout, 'inherit', fd] }),
  );
  fs.closeSync(fd);
  return { channel: mine, peer };
}

/** Resolves with the first 'error' (or null) once the channel closes. */
function closed(channel) {
  let error = null;
  channel.on('error', (e) => (error = e));
  return new Promise((resolve) => channel.on('close', () => resolve(error)));
}

/** This process's resident and virtual size, in bytes (/proc/self/status). */
function memory() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)[1]) * 1024;
  return { rss: field('VmRSS'), virtual: field('VmSize') };
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

describe(
  'what a channel peer can make this process hold',
  { skip: process.platform !== 'linux' && 'the raw peer speaks the Linux transport', timeout: 60000 },
  () => {
    for (const [scenario, kind] of [
      ['flood-channels', Channel],
      ['flood-regions', SharedMemory],
    ]) {
      test(`${scenario}: 100 messages of 64 handles nobody takes are closed as each event ends, not at collection`, async () => {
        rawChannelPeerPath();
        const baseline = openFdCount();
        const { channel } = rawPeer(scenario);
        let messages = 0;
        const closedAfterEvent = [];
        channel.on('message', ({ handles }) => {
          messages += 1;
          assert.ok(handles.length === 64 && handles.every((handle) => handle instanceof kind));
          // Checked as the event ends, not at collection.
          queueMicrotask(() => closedAfterEvent.push(handles.every((handle) => handle.closed)));
        });
        assert.equal(await closed(channel), null);
        assert.equal(messages, 100);
        assert.deepEqual(
          closedAfterEvent,
          new Array(100).fill(true),
          'each message’s handles closed as its event ended',
        );
        // The descriptors themselves close on the release thread, moments later;
        // no collection is involved (the suite runs without --expose-gc).
        assert.equal(await settledFdCount(), baseline, 'every descriptor of the flood closed');
      });
    }

    test('a handle taken during the event stays open and is the taker’s; the rest are closed', async () => {
      rawChannelPeerPath();
      const baseline = openFdCount();
      const { channel } = rawPeer('flood-regions');
      const kept = [];
      channel.on('message', ({ handles, take }) => {
        if (kept.length === 0) {
          kept.push(take(3));
          assert.throws(() => take(3), { code: 'ERR_RENDEZVOUS_CLOSED' });
          assert.throws(() => take(64), { name: 'RangeError', code: 'ERR_RENDEZVOUS_INVALID_ARGUMENT' });
          setImmediate(() =>
            assert.equal(handles[0].closed, true, 'an untaken one is closed after the event'),
          );
        }
      });
      await closed(channel);
      const [region] = kept;
      try {
        assert.equal(region.closed, false);
        assert.equal(region.byteLength, 4096);
        region.write(0, Buffer.from('still mapped'));
        assert.equal(await settledFdCount(), baseline + 1, 'only the taken region is left');
      } finally {
        region.close();
      }
      assert.equal(await settledFdCount(), baseline);
    });

    test('a descriptor taken with takeFd() counts as taken; take() of a ReceivedFd hands over the wrapper', async () => {
      const [a, b] = Channel.pair();
      const baseline = openFdCount();
      a.postMessage('three', [
        { fd: 0, disposition: 'copy' },
        { fd: 0, disposition: 'copy' },
        { fd: 0, disposition: 'copy' },
      ]);
      const { handles, wrapper, fd } = await new Promise((resolve) =>
        b.once('message', ({ handles, take }) => {
          resolve({ handles, fd: handles[0].takeFd(), wrapper: take(1) });
        }),
      );
      assert.ok(wrapper instanceof ReceivedFd);
      assert.equal(wrapper.available, true, 'the taken wrapper is not closed after the event');
      assert.equal(handles[2].available, false);
      // The untaken one, and the wrapper once closed, go on the release thread.
      assert.equal(await settledFdCount(), baseline + 2);
      fs.closeSync(fd);
      wrapper.close();
      assert.equal(await settledFdCount(), baseline);
      a.close();
      b.close();
    });

    /** The channel's events until 'close', each with whether this
     * process could still create a region of `size` at that moment. */
    async function eventsWithOwnRegion(scenario, size) {
      const { channel } = rawPeer(scenario);
      const events = [];
      const record = (event) => {
        let created = true;
        try {
          SharedMemory.create(size).close();
        } catch {
          created = false;
        }
        events.push({ ...event, created });
      };
      channel.on('message', ({ handles }) => {
        record({ message: handles.length });
        channel.close(); // the peer waits for that
      });
      channel.on('error', (error) => record({ code: error.code, why: error.message }));
      await new Promise((resolve) => channel.on('close', resolve));
      return events;
    }

    test("one memfd announced 16 times at 64 GiB is refused, and the parent's own regions still fit", async () => {
      rawChannelPeerPath();
      const events = await eventsWithOwnRegion('same-region-16-times', 4096);
      assert.equal(events.length, 1);
      assert.equal(events[0].code, 'ERR_RENDEZVOUS_BAD_MESSAGE');
      assert.match(events[0].why, /same shared memory region twice/);
      assert.equal(events[0].created, true);
    });

    test("16 distinct 64 GiB regions in one message pass the channel's budget, not the process's", async () => {
      rawChannelPeerPath();
      const events = await eventsWithOwnRegion('regions-over-channel-budget', 2 ** 36);
      assert.equal(events.length, 1);
      assert.equal(events[0].code, 'ERR_RENDEZVOUS_BAD_MESSAGE');
      assert.match(events[0].why, /one channel's peer sent/);
      assert.equal(events[0].created, true, "the process's own budget is whole");
    });

    test('regions taken from many peers stay within half the process budget; the other half stays the process’s', async () => {
      rawChannelPeerPath();
      const kept = [];
      const peers = [];
      let refused = null;
      try {
        // Each peer sends what one channel may hold (2 × 64 GiB); the fifth
        // would bring peers past 512 GiB.
        for (let i = 0; i < 5 && refused === null; ++i) {
          const { channel } = rawPeer('regions-within-channel-budget');
          peers.push(channel);
          refused = await new Promise((resolve) => {
            channel.once('message', ({ take }) => {
              kept.push(take(0), take(1));
              resolve(null);
            });
            channel.once('error', resolve);
          });
        }
        assert.equal(kept.length, 8, 'four peers fit');
        assert.equal(refused?.code, 'ERR_RENDEZVOUS_BAD_MESSAGE');
        assert.match(refused.message, /regions peers sent to this process/);
        const own = [];
        for (let i = 0; i < 7; ++i) own.push(SharedMemory.create(2 ** 36)); // 448 GiB of the other half
        for (const region of own) region.close();
      } finally {
        for (const region of kept) region.close();
        for (const channel of peers) channel.close();
      }
    });

    test(
      "a message that stops arriving ends with 'error' ERR_RENDEZVOUS_TIMEOUT; memory is taken as data comes, and given back",
      { timeout: 15000 },
      async () => {
        rawChannelPeerPath();
        const before = memory();
        const { channel, peer } = rawPeer('stall', 'pipe');
        const error = closed(channel);
        channel.start();
        // The peer says when 64 MiB of the announced 1 GiB went out; from then
        // on it trickles one byte every 50 ms.
        await new Promise((resolve) => peer.stdout.once('data', resolve));
        const startedAt = performance.now();
        await new Promise((resolve) => setTimeout(resolve, STALL_MS / 4));
        const during = memory();
        const failure = await error;
        const elapsed = performance.now() - startedAt;
        assert.equal(failure?.code, 'ERR_RENDEZVOUS_TIMEOUT');
        assert.match(failure.message, /stopped sending a message/);
        assert.ok(elapsed < 3 * STALL_MS + 1000, `the stall was noticed after ${elapsed.toFixed(0)} ms`);
        // Reserved as it arrived: 64 MiB and a doubling, not the 1 GiB announced.
        const reserved = during.virtual - before.virtual;
        assert.ok(reserved < 512 * MIB, `${(reserved / MIB).toFixed(0)} MiB of address space while stalled`);
        assert.ok(during.rss - before.rss < 256 * MIB, 'what arrived is what is held');
        // AddressSanitizer holds freed memory in its quarantine on purpose
        // (npm run test:asan), so only a plain build shows it going back.
        if (process.env.ASAN_OPTIONS === undefined) {
          await new Promise(setImmediate);
          const after = memory();
          assert.ok(after.virtual - before.virtual < GIB / 8, 'the half-received message was given back');
        }
      },
    );
  },
);
