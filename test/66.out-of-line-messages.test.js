'use strict';
// Large channel messages travel out of line (Linux: a sealed memfd handed
// over with one frame, addon/linux/message_body.cc): just below, at and
// above the threshold and at 256 MiB, both ways, text and bytes, with
// handles beside the body, delivered in place and in copy mode; no
// descriptor or mapping outlives the messages; a peer dying mid-stream is a
// 'close'.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { after, before, describe, test } = require('node:test');

const rendezvous = require('../dist/main');
const { Channel, SharedMemory } = rendezvous;
const { fixture, killStragglers, track } = require('./support/children');
const { makePipe } = require('./support/fds');

// addon/core/limits.h kOutOfLineMessageBytes. Windows sends no body out of
// line (its threshold is 0): the same sizes travel split into frames there,
// and must arrive as whole.
const THRESHOLD = 1024 * 1024;
// How long a free pooled body lasts unused (BodyPoolLimits, 1.5 s, checked
// every 0.5 s), with room for a loaded machine.
const POOL_IDLE_MS = 2500;
const MIB = 1024 * 1024;
const SIZES = [THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, 4 * THRESHOLD + 3];
const digest = (data) => crypto.createHash('sha256').update(data).digest('hex');
const linux = process.platform === 'linux';
// Collection on demand, whatever flags the test runner was started with.
require('node:v8').setFlagsFromString('--expose-gc');
const gc = require('node:vm').runInNewContext('gc');

let server;
before(() => {
  server = rendezvous.RendezvousServer.instance();
});
after(killStragglers);
after(() => server.stop());

const nextMessage = (channel) => new Promise((resolve) => channel.once('message', resolve));
const nextData = async (channel) => (await nextMessage(channel)).data;
const nextJson = async (channel) => JSON.parse(await nextData(channel));

async function launch(env = {}) {
  const [mine, theirs] = Channel.pair();
  const child = track(
    rendezvous.fork(fixture('out-of-line-child.js'), [], {
      ports: { 1: theirs },
      env: { ...process.env, ...env },
      execArgv: ['--expose-gc'],
    }),
  );
  assert.equal(await nextData(mine), 'ready');
  return { channel: mine, child };
}

/** Descriptors of this process and its mapped message bodies, once
 * collection has released what nothing holds. */
async function settledHere() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  const bodies = fs
    .readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((line) => /electron-port-rendezvous-(pooled-)?message/.test(line));
  if (process.env.DEBUG_BODIES) console.log(bodies);
  return { fds: fs.readdirSync('/proc/self/fd').length, bodies: bodies.length };
}

/** The report of the child at the other end of `channel` once both ends
 * have dropped what they still hold (collection sends the releases) and the
 * child's free pooled bodies have gone, once idle (BodyPoolLimits). */
async function settledThere(channel) {
  await settledHere();
  channel.postMessage(JSON.stringify({ cmd: 'report' }));
  await nextJson(channel);
  await new Promise((resolve) => setTimeout(resolve, POOL_IDLE_MS));
  channel.postMessage(JSON.stringify({ cmd: 'report' }));
  return nextJson(channel);
}

for (const [mode, env] of [
  ['in place', {}],
  // What Electron imposes: external buffers refused; views in place still work.
  ['in place, external buffers refused', { ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY: 'copy' }],
  ['copy mode', { ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY: 'copy-only' }],
]) {
  describe(`out-of-line messages, child ${mode}`, () => {
    let child;
    before(async () => {
      child = await launch(env);
    });
    after(() => child.channel.close());

    test('parent to child: below, at and above the threshold, and 256 MiB, content intact', async () => {
      for (const size of [...SIZES, 256 * MIB]) {
        const data = crypto.randomBytes(size);
        child.channel.postMessage(data);
        const answer = await nextJson(child.channel);
        assert.deepEqual(
          answer,
          { length: size, text: false, digest: digest(data), arrived: [] },
          `${size} bytes`,
        );
      }
    });

    test('a message held by the receiver is never overwritten by the next of its size', async () => {
      child.channel.postMessage(JSON.stringify({ cmd: 'hold', on: true }));
      await nextJson(child.channel);
      let previous = null;
      for (let fill = 1; fill <= 6; fill++) {
        const data = Buffer.alloc(2 * MIB, fill);
        child.channel.postMessage(data);
        const answer = await nextJson(child.channel);
        assert.equal(answer.digest, digest(data));
        assert.equal(answer.heldDigest, previous && digest(previous), `message ${fill - 1} unchanged`);
        previous = data;
      }
      child.channel.postMessage(JSON.stringify({ cmd: 'hold', on: false }));
      await nextJson(child.channel);
    });

    test(
      'a body the receiver released carries the next message (one pooled memfd)',
      { skip: !linux && 'reads /proc' },
      async () => {
        const inodes = new Set();
        for (let i = 0; i < 10; i++) {
          const data = crypto.randomBytes(3 * MIB);
          child.channel.postMessage(data);
          assert.equal((await nextJson(child.channel)).digest, digest(data));
          if (mode.startsWith('in place')) {
            // The child's data goes only when collected.
            child.channel.postMessage(JSON.stringify({ cmd: 'report' }));
            await nextJson(child.channel);
          }
          for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
            // This size class's bodies (4 MiB) only: earlier tests' stay pooled a while.
            if (!line.includes('electron-port-rendezvous-pooled-message')) continue;
            const fields = line.trim().split(/\s+/);
            const [start, end] = fields[0].split('-').map((address) => BigInt(`0x${address}`));
            if (end - start === BigInt(4 * MIB)) inodes.add(fields[4]);
          }
        }
        assert.equal(inodes.size, 1, `the same body each time, got ${[...inodes]}`);
      },
    );

    test('text above the threshold arrives as the same string', async () => {
      const text = `${'ü'.repeat(THRESHOLD)}end`;
      child.channel.postMessage(text);
      const answer = await nextJson(child.channel);
      assert.equal(answer.text, true);
      assert.equal(answer.length, text.length);
      assert.equal(answer.digest, digest(text));
    });

    test('handles travel beside an out-of-line body, in order', async () => {
      const region = SharedMemory.create(4096);
      region.write(0, Buffer.from('beside the body'));
      const pipe = makePipe();
      try {
        const data = crypto.randomBytes(THRESHOLD * 2);
        child.channel.postMessage(data, [region, { fd: pipe.readFd, disposition: 'copy' }]);
        const answer = await nextJson(child.channel);
        assert.equal(answer.digest, digest(data));
        assert.equal(answer.arrived.length, 2);
        assert.equal(answer.arrived[0].region.replace(/\0+$/, ''), 'beside the body');
        assert.deepEqual(answer.arrived[1], { fd: true });
      } finally {
        region.close();
        fs.closeSync(pipe.readFd);
        fs.closeSync(pipe.writeFd);
      }
    });

    test('child to parent: above the threshold and 256 MiB, bytes and text', async () => {
      for (const [size, text] of [
        [THRESHOLD + 1, false],
        [256 * MIB, false],
        [THRESHOLD * 2, true],
      ]) {
        const arrived = nextData(child.channel);
        child.channel.postMessage(JSON.stringify({ cmd: 'send', size, text }));
        const data = await arrived;
        const { sent } = await nextJson(child.channel);
        assert.equal(typeof data, text ? 'string' : 'object');
        assert.equal(digest(data), sent, `${size} bytes`);
      }
    });

    test(
      'no descriptor or mapping outlives 200 out-of-line messages, on either side',
      { skip: !linux && 'reads /proc' },
      async () => {
        const data = crypto.randomBytes(THRESHOLD);
        const expected = digest(data);
        // What earlier tests left pooled goes first.
        const before = await settledThere(child.channel);
        const here = await settledHere();
        // Each round in a function of its own, whose frame (and the data it
        // received) is gone when it returns.
        const round = async () => {
          child.channel.postMessage(data);
          assert.equal((await nextJson(child.channel)).digest, expected);
          const arrived = nextData(child.channel);
          child.channel.postMessage(JSON.stringify({ cmd: 'send', size: THRESHOLD }));
          assert.equal((await arrived).length, THRESHOLD);
          await nextData(child.channel);
        };
        for (let i = 0; i < 200; i++) await round();
        const afterwards = await settledThere(child.channel);
        assert.equal(afterwards.bodies, 0, 'no body stays mapped in the child');
        assert.equal(afterwards.fds, before.fds, "the child's descriptors are back where they were");
        const hereAfter = await settledHere();
        assert.equal(hereAfter.bodies, 0, 'no body stays mapped here');
        assert.equal(hereAfter.fds, here.fds, 'descriptors here are back where they were');
      },
    );
  });
}

test("a peer that dies while sending out-of-line messages: 'close', nothing left mapped", async () => {
  const { channel, child } = await launch();
  const closed = new Promise((resolve) => channel.on('close', resolve));
  // Heard from the start: the child may be gone before its last frames are read.
  const childExited = new Promise((resolve) => child.once('exit', resolve));
  const errors = [];
  channel.on('error', (error) => errors.push(error));
  channel.postMessage(JSON.stringify({ cmd: 'die', size: 8 * MIB }));
  await closed;
  await childExited;
  assert.deepEqual(errors, []);
  if (linux) assert.equal((await settledHere()).bodies, 0);
});
