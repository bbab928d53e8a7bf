'use strict';
// A channel peer that breaks the protocol: every malformed frame ends in an
// 'error' with a code and a 'close', with nothing leaked and no crash. The
// peer is a C program writing frames of its own making
// (test/fixtures/raw-channel-peer.c).
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const { afterEach, describe, test } = require('node:test');

const { Channel, ReceivedFd } = require('../dist/main');
const { channelTransfer } = require('../dist/lib/channel');
const { killStragglers, track } = require('./support/children');
const { openFdCount, settledFdCount, waitFor } = require('./support/fds');
const { rawChannelPeerPath } = require('./support/raw-peer');

afterEach(killStragglers);

/** A channel whose other end is held by the raw peer running `scenario`. */
function rawPeer(scenario) {
  const [mine, theirs] = Channel.pair();
  const fd = theirs[channelTransfer.lend]().release();
  const peer = track(
    childProcess.spawn(rawChannelPeerPath(), [scenario], { stdio: ['ignore', 'inherit', 'inherit', fd] }),
  );
  fs.closeSync(fd);
  return { channel: mine, peer };
}

/** Everything the channel emits until 'close'. */
function eventsUntilClose(channel) {
  const events = [];
  channel.on('message', (message) => events.push({ message }));
  channel.on('error', (error) => events.push({ error }));
  return new Promise((resolve) => channel.on('close', () => resolve(events)));
}

describe(
  'hostile channel peers',
  { skip: process.platform !== 'linux' && 'the raw peer speaks the Linux transport' },
  () => {
    test('the raw peer is faithful: a valid frame arrives as a message with its descriptor', async () => {
      rawChannelPeerPath(); // built before the descriptor count is taken
      const baseline = await settledFdCount();
      const { channel } = rawPeer('valid');
      const events = await eventsUntilClose(channel);
      assert.equal(events.length, 1);
      const { data, handles } = events[0].message;
      assert.equal(data, 'hello from a raw peer');
      assert.equal(handles.length, 1);
      assert.ok(handles[0] instanceof ReceivedFd);
      assert.equal(handles[0].available, false, 'closed after the event: nobody took it');
      // What a peer sent is closed on the addon's release thread.
      await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
    });

    const hostile = {
      garbage: /wrong magic/,
      'short-frame': /shorter than its header/,
      'more-first': /out of order/,
      'count-mismatch': /announces 2 handles but carries 1/,
      'too-many-fds': /more handles than a message may carry/,
      'over-limit': /larger than the channel's limit/,
      'long-text': /text longer than the receiver can hold/,
      'wrong-offset': /wrong offset/,
      'handles-on-more': /continuation frame carries handles/,
      'unsealed-memory': /not sealed/,
      'pipe-as-channel': /not a channel end/,
      'listening-as-channel': /not a channel end \(a connected/,
      'unconnected-as-channel': /not a channel end \(a connected/,
      'oversized-frame': /frame larger than allowed/,
      'empty-packet': /shorter than its header/,
      'empty-with-fds': /shorter than its header/,
      // Out-of-line bodies (addon/linux/message_body.cc): each seal, the
      // size, what carries the body, and the frame around it.
      'ool-no-shrink-seal': /out-of-line message body is not sealed/,
      'ool-no-grow-seal': /out-of-line message body is not sealed/,
      'ool-no-seal-seal': /out-of-line message body is not sealed/,
      'ool-size-short': /body has 4096 bytes, fewer than the 8192 its sender stated/,
      'ool-pipe': /out-of-line message body is not sealed/,
      'ool-missing-fd': /announces an out-of-line body but carries none/,
      'ool-fd-unannounced': /announces 0 handles but carries 1/,
      'ool-over-limit': /larger than the channel's limit/,
      'ool-with-data': /out-of-line message carries data in its frame/,
      // Releases of pooled bodies (core/body_pool.h): an id never sent.
      'release-unknown': /a release of a body never sent/,
    };
    for (const [scenario, why] of Object.entries(hostile)) {
      test(`${scenario}: 'error' with ERR_RENDEZVOUS_BAD_MESSAGE, then 'close', nothing leaked`, async () => {
        rawChannelPeerPath();
        const baseline = await settledFdCount();
        const { channel } = rawPeer(scenario);
        const events = await eventsUntilClose(channel);
        assert.equal(events.length, 1, `exactly one event before 'close', got ${events.length}`);
        const { error } = events[0];
        assert.ok(error, 'an error, not a message');
        assert.equal(error.code, 'ERR_RENDEZVOUS_BAD_MESSAGE');
        assert.match(error.message, why);
        assert.equal(channel.closed, true);
        await waitFor(() => openFdCount() === baseline, 3000, 'every descriptor the peer sent to be closed');
      });
    }

    test('a faithful out-of-line body arrives as the message data', async () => {
      rawChannelPeerPath();
      const { channel } = rawPeer('ool-valid');
      const data = await new Promise((resolve) => channel.once('message', ({ data }) => resolve(data)));
      assert.ok(data instanceof Uint8Array);
      assert.equal(data.length, 4096);
      assert.ok(data.every((byte) => byte === 0x62));
      channel.close();
      await once(channel, 'close');
    });

    // A pooled body is sealed against resizing only (its sender writes it
    // again), and may be larger than the message it carries.
    for (const scenario of ['ool-no-write-seal', 'ool-larger-body']) {
      test(`${scenario}: accepted, the announced bytes only`, async () => {
        rawChannelPeerPath();
        const { channel } = rawPeer(scenario);
        const data = await new Promise((resolve) => channel.once('message', ({ data }) => resolve(data)));
        assert.equal(data.length, 4096);
        assert.ok(data.every((byte) => byte === 0x62));
        channel.close();
        await once(channel, 'close');
      });
    }

    test("a second release of a pooled body: 'error', the body not reused", { timeout: 10000 }, async () => {
      rawChannelPeerPath();
      const { channel } = rawPeer('release-twice');
      const events = [];
      channel.on('error', (error) => events.push(error));
      channel.on('message', () => assert.fail('the peer sends no message'));
      const closed = new Promise((resolve) => channel.on('close', resolve));
      channel.postMessage(new Uint8Array(2 * 1024 * 1024).fill(7));
      await closed;
      assert.equal(events.length, 1);
      assert.equal(events[0].code, 'ERR_RENDEZVOUS_BAD_MESSAGE');
      assert.match(events[0].message, /a release of a body it does not hold/);
    });

    test("bodies past the channel's mapping budget: 'error', then 'close'", { timeout: 30000 }, async () => {
      rawChannelPeerPath();
      const { channel } = rawPeer('ool-over-budget');
      const kept = [];
      channel.on('message', ({ data }) => kept.push(data));
      const [error] = await once(channel, 'error');
      assert.equal(error.code, 'ERR_RENDEZVOUS_BAD_MESSAGE');
      assert.match(error.message, /one channel's peer sent/);
      assert.equal(kept.length, 128, 'what one channel may hold: 128 bodies of 1 GiB');
      kept.length = 0;
    });

    test("a peer that hangs up mid-message: 'close' without 'error', its descriptors closed", async () => {
      rawChannelPeerPath();
      const baseline = await settledFdCount();
      const { channel } = rawPeer('close-mid-message');
      const events = await eventsUntilClose(channel);
      assert.deepEqual(events, []);
      await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
    });

    test('an error with no listener is the uncaught exception it would be for a socket', async () => {
      const script = `
      const { Channel } = require(${JSON.stringify(require.resolve('../dist/main'))});
      const { channelTransfer } = require(${JSON.stringify(require.resolve('../dist/lib/channel'))});
      const [mine, theirs] = Channel.pair();
      const fd = theirs[channelTransfer.lend]().release();
      require('node:child_process').spawn(${JSON.stringify(rawChannelPeerPath())}, ['garbage'],
        { stdio: ['ignore', 'inherit', 'inherit', fd] });
      require('node:fs').closeSync(fd);
      mine.start();
      process.on('uncaughtException', (error) => { console.log(error.code); process.exit(0); });
    `;
      const child = track(
        childProcess.spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] }),
      );
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
      assert.equal(out.trim(), 'ERR_RENDEZVOUS_BAD_MESSAGE');
    });
  },
);
