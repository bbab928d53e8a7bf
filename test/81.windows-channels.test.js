'use strict';
// The Windows backend's channels (message-mode named pipes) and shared
// memory (pagefile sections): what differs from the other platforms, or
// only Windows can show (handles in messages: test/84).
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const { once } = require('node:events');
const { after, afterEach, before, test } = require('node:test');
const { Worker } = require('node:worker_threads');

const WINDOWS = process.platform === 'win32';
const skip = !WINDOWS && 'the Windows backend only';

const rendezvous = WINDOWS ? require('../dist/main') : null;
const { Channel, SharedMemory } = rendezvous ?? {};
const { native } = require('../dist/lib/native');
const { channelTransfer } = require('../dist/lib/channel');
const { sharedMemoryNative } = require('../dist/lib/shared-memory');
const {
  channelClosed: closed,
  fixture,
  firstMessage,
  killStragglers,
  nextChannelMessage: nextMessage,
  track,
} = require('./support/children');

const FRAME_BYTES = 64 * 1024;

let server;
before(() => {
  if (WINDOWS) server = rendezvous.RendezvousServer.instance();
});
afterEach(killStragglers);
after(() => server?.stop());

const turn = () => new Promise((resolve) => setTimeout(resolve, 50));

test('messages go both ways in order, text and binary', { skip }, async () => {
  const [a, b] = Channel.pair();
  const atB = [];
  b.on('message', ({ data }) => {
    atB.push(data);
    if (atB.length === 100) b.postMessage(Uint8Array.from([1, 2, 3]));
  });
  for (let i = 0; i < 100; i += 1) a.postMessage(i % 2 ? `message ${i}` : Buffer.from(`bytes ${i}`));
  const { data } = await nextMessage(a);
  assert.deepEqual([...data], [1, 2, 3]);
  atB.forEach((got, i) => assert.equal(Buffer.from(got).toString(), i % 2 ? `message ${i}` : `bytes ${i}`));
  assert.equal(typeof atB[1], 'string');
  a.close();
  b.close();
});

test('a message larger than a frame arrives whole, split across frames', { skip }, async () => {
  const [a, b] = Channel.pair();
  const sent = crypto.randomBytes(16 * FRAME_BYTES + 3);
  a.postMessage(sent);
  const { data } = await nextMessage(b);
  assert.equal(data.length, sent.length);
  assert.ok(Buffer.from(data).equals(sent));
  a.close();
  b.close();
});

test('a peer that does not read makes sends queue here, then drain once it reads', { skip }, async () => {
  const [a, b] = Channel.pair();
  const message = Buffer.alloc(1024 * 1024, 7);
  let mayGoOn = true;
  let sent = 0;
  while (mayGoOn) {
    mayGoOn = a.postMessage(message);
    sent += 1;
    assert.ok(sent < 64, 'backpressure never came');
  }
  // The loop runs while the peer still does not read: the pipe takes at
  // most its buffer and one frame, everything else stays queued here.
  await turn();
  await turn();
  assert.ok(
    a.queuedBytes >= sent * message.length - 4 * FRAME_BYTES,
    `${a.queuedBytes} of ${sent * message.length} bytes still queued`,
  );
  let received = 0;
  const allRead = new Promise((resolve) =>
    b.on('message', ({ data }) => {
      assert.equal(data.length, message.length);
      received += 1;
      if (received === sent) resolve();
    }),
  );
  await Promise.all([once(a, 'drain'), allRead]);
  assert.equal(a.queuedBytes, 0);
  a.close();
  b.close();
});

test("closing one end is the other end's 'close', after what it sent", { skip }, async () => {
  const [a, b] = Channel.pair();
  a.postMessage('one');
  a.postMessage('two');
  await turn();
  a.close();
  const got = [];
  b.on('message', ({ data }) => got.push(data));
  assert.equal(await closed(b), null);
  assert.deepEqual(got, ['one', 'two']);
});

test(
  "an end closed with our data unread: its last words arrive, then 'close', no 'error'",
  { skip },
  async () => {
    const [a, b] = Channel.pair();
    a.postMessage(Buffer.alloc(4 * FRAME_BYTES, 1)); // b never reads it
    b.postMessage('last words');
    await turn();
    b.close();
    const got = [];
    a.on('message', ({ data }) => got.push(data));
    assert.equal(await closed(a), null);
    assert.deepEqual(got, ['last words']);
  },
);

test('an end given to a worker thread talks to its pair, and closes with the thread', { skip }, async () => {
  const [mine, theirs] = Channel.pair();
  const handle = theirs[channelTransfer.lend]().release();
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const { adoptChannel } = require(workerData.channelModule);
     const channel = adoptChannel(workerData.handle);
     channel.on('message', ({ data }) => channel.postMessage('echo ' + data));
     parentPort.postMessage('adopted');`,
    { eval: true, workerData: { handle, channelModule: require.resolve('../dist/lib/channel') } },
  );
  await once(worker, 'message');
  mine.postMessage('ping');
  assert.equal((await nextMessage(mine)).data, 'echo ping');
  const closing = closed(mine);
  await worker.terminate();
  assert.equal(await closing, null);
});

test('a handle that is not a section is refused as a region, and closed', { skip }, async () => {
  const [a, b] = Channel.pair();
  const handle = b[channelTransfer.lend]().release();
  const aClosed = closed(a);
  assert.throws(() => native().mapSharedMemory(handle, 4096), { code: 'ERR_RENDEZVOUS_INVALID_RIGHT' });
  // The refused handle was the channel's other end: closing it closed a.
  a.on('message', () => {});
  assert.equal(await aClosed, null);
});

test('1,000 pairs opened and closed with messages in flight end cleanly', { skip }, async () => {
  for (let i = 0; i < 1000; i += 1) {
    const [a, b] = Channel.pair();
    a.postMessage(Buffer.alloc(i % 3 === 0 ? 3 * FRAME_BYTES : 10, i & 0xff));
    b.on('message', () => {});
    if (i % 2 === 0) await nextMessage(b);
    // Closing ends whose reads and writes are still pending cancels them and
    // waits for their thread-pool waits, in either order.
    if (i % 4 < 2) a.close();
    b.close();
    a.close();
  }
});

test('views copy on Windows: no mapping in place', { skip }, () => {
  assert.equal(SharedMemory.zeroCopySupported, false);
  assert.equal(native().constants.pageSize % 4096, 0);
});

// Across processes: these need the rendezvous to hand the child its handles.

test('a region written by a child is seen by the parent', { skip }, async () => {
  const region = SharedMemory.create(3 * FRAME_BYTES + 5);
  const child = track(
    rendezvous.fork(fixture('win-chan-child.js'), ['write-region'], { ports: { 2: region } }),
  );
  const report = await firstMessage(child);
  assert.equal(report.byteLength, region.byteLength);
  const seen = Buffer.alloc(`written by ${child.pid}`.length);
  region.read(0, seen);
  assert.equal(seen.toString(), `written by ${child.pid}`);
  child.kill();
  region.close();
});

test('a child refuses a section smaller than its stated size, without a fault', { skip }, async () => {
  const region = SharedMemory.create(FRAME_BYTES);
  const spec = { key: 1, handle: region[sharedMemoryNative].handle, disposition: 'copy', payload: 4 };
  const launch = native().prepareLaunch([{ ...spec, byteLength: 16 * FRAME_BYTES }]);
  const child = track(
    childProcess.fork(fixture('win-chan-child.js'), ['take-region'], {
      env: { ...process.env, ...server.childEnv },
      execArgv: ['--require', rendezvous.PRELOAD_PATH],
    }),
  );
  native().bindLaunch(launch, child.pid);
  const report = await firstMessage(child);
  assert.equal(report.ok, false);
  assert.equal(report.code, 'ERR_RENDEZVOUS_INVALID_RIGHT');
  assert.match(report.message, /smaller than the 1048576 bytes stated/);
  region.close();
});

test("killing the peer's process is 'close' on this end", { skip }, async () => {
  const [mine, theirs] = Channel.pair();
  const child = track(
    rendezvous.fork(fixture('win-chan-child.js'), ['hold-channel'], { ports: { 1: theirs } }),
  );
  assert.equal((await nextMessage(mine)).data, 'ready');
  const closing = closed(mine);
  child.kill();
  assert.equal(await closing, null);
});

test(
  'an end handed to a child while its last frame is still being written: the frame arrives',
  { skip },
  async () => {
    const [mine, theirs] = Channel.pair();
    // More than the pipe's buffer, unread: the second frame's write is still
    // pending when the end leaves, and must not be cancelled with it.
    const sent = crypto.randomBytes(FRAME_BYTES + 40000);
    theirs.postMessage(sent);
    while (theirs.queuedBytes > 0) await turn();
    const child = track(
      rendezvous.fork(fixture('win-chan-child.js'), ['hold-channel'], { ports: { 1: theirs } }),
    );
    const { data } = await nextMessage(mine);
    assert.ok(Buffer.from(data).equals(sent));
    assert.equal((await nextMessage(mine)).data, 'ready');
    child.kill();
    mine.close();
  },
);
