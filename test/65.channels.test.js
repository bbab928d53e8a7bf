'use strict';
// Channels between real processes: order, size, handles after launch, peer
// death, backpressure, and descriptor accounting.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { once } = require('node:events');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const { after, afterEach, before, test } = require('node:test');

const rendezvous = require('../dist/main');
const { Channel, ReceivedFd, SharedMemory } = rendezvous;
const { sharedMemoryNative } = require('../dist/lib/shared-memory');
const {
  exited,
  firstMessage,
  fixture,
  killStragglers,
  nextChannelMessage: nextMessage,
  stdoutOf,
  track,
} = require('./support/children');
const {
  NEEDS_PROC,
  describeFds,
  expectHandOverCloseOnExec,
  fdsOpenedSince,
  openFds,
  targetsInheritedByGrandchild,
} = require('./support/close-on-exec');
const {
  listeningSocket,
  makePipe,
  openFdCount,
  pipeHolding,
  readFromPort,
  settledFdCount,
  waitFor,
} = require('./support/fds');
const { FDS_PER_CHANNEL_END, WINDOWS_LACKS } = require('./support/windows-design');

let server;
before(() => {
  server = rendezvous.RendezvousServer.instance();
});
afterEach(killStragglers);
after(() => server.stop());

/** Launches channel-child.js in `mode` with the other end of a new pair. */
function launch(mode, args = [], options = {}) {
  const [mine, theirs] = Channel.pair();
  const child = track(
    rendezvous.fork(fixture('channel-child.js'), [mode, ...args], { ports: { 1: theirs }, ...options }),
  );
  return { channel: mine, child, theirs };
}

test('handing an end to a child closes the parent object for it', () => {
  const { channel, theirs, child } = launch('hold');
  assert.equal(theirs.closed, true);
  assert.throws(() => theirs.postMessage('x'), { code: 'ERR_RENDEZVOUS_CLOSED' });
  child.kill('SIGKILL');
  channel.close();
});

test('10,000 messages arrive in order', async () => {
  const count = 10000;
  const { channel, child } = launch('count', [String(count)]);
  for (let i = 0; i < count; ++i) channel.postMessage(`message ${i}`);
  const { data } = await nextMessage(channel, 30000);
  assert.deepEqual(JSON.parse(data), { count, inOrder: true });
  channel.close();
  child.kill();
  await exited(child);
});

for (const mode of ['zero-copy', 'copy']) {
  test(`a 64 MiB message arrives whole, and so does an empty one (${mode} delivery)`, async () => {
    const env = { ...process.env };
    if (mode === 'copy') env.ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY = 'copy';
    else delete env.ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY;
    const { channel, child } = launch('digest', [], { env });
    const big = crypto.randomBytes(64 * 1024 * 1024);
    channel.postMessage(big);
    const reply = JSON.parse((await nextMessage(channel, 30000)).data);
    assert.deepEqual(reply, {
      length: big.length,
      digest: crypto.createHash('sha256').update(big).digest('hex'),
    });
    channel.postMessage(new Uint8Array(0));
    const empty = JSON.parse((await nextMessage(channel)).data);
    assert.equal(empty.length, 0);
    channel.close();
    child.kill();
    await exited(child);
  });
}

test('text and bytes round-trip as text and bytes', async () => {
  const { channel, child } = launch('echo');
  channel.postMessage('héllo ✓');
  assert.equal((await nextMessage(channel)).data, 'héllo ✓');
  channel.postMessage(new Uint16Array([1, 2]));
  const { data } = await nextMessage(channel);
  assert.ok(data instanceof Uint8Array);
  assert.deepEqual([...data], [1, 0, 2, 0]);
  channel.close();
  child.kill();
  await exited(child);
});

test(
  'after launch, a child receives a memfd and a listening socket over a channel and uses both',
  { skip: WINDOWS_LACKS.nodeObjectDescriptors },
  async () => {
    const { channel, child } = launch('serve');
    assert.equal((await nextMessage(channel)).data, 'ready');
    const region = SharedMemory.create(64);
    region.write(0, Buffer.from('words in shared memory'));
    const listener = await listeningSocket();
    channel.postMessage('take these', [region, { fd: listener.fd, disposition: 'copy' }]);
    assert.equal((await nextMessage(channel)).data, 'listening');
    listener.server.close(); // only the child accepts now
    const reply = await readFromPort(listener.port);
    assert.equal(reply, `served by ${child.pid}: words in shared memory`);
    region.close();
    channel.close();
    child.kill();
    await exited(child);
  },
);

test('a channel end sent over a channel works in the child', async () => {
  const { channel, child } = launch('relay');
  const [second, forChild] = Channel.pair();
  channel.postMessage('here is another channel', [forChild]);
  assert.equal(forChild.closed, true, 'the sent end is handed over');
  assert.equal((await nextMessage(second)).data, `hello from ${child.pid}`);
  second.postMessage('ping');
  assert.equal((await nextMessage(second)).data, 'child heard ping');
  second.close();
  channel.close();
  child.kill();
  await exited(child);
});

test("the peer's death produces 'close' within 1 s", async () => {
  const { channel, child } = launch('hold');
  assert.equal((await nextMessage(channel)).data, 'holding');
  const closed = once(channel, 'close');
  const killedAt = performance.now();
  child.kill('SIGKILL');
  await closed;
  const elapsed = performance.now() - killedAt;
  assert.ok(elapsed < 1000, `'close' took ${elapsed.toFixed(0)} ms`);
  assert.equal(channel.closed, true);
  assert.throws(() => channel.postMessage('anyone?'), { code: 'ERR_RENDEZVOUS_CLOSED' });
});

test("a peer that exits with our message unread: its last words arrive, then 'close', no 'error'", async () => {
  const { channel } = launch('last-words');
  channel.postMessage('you will never read this');
  const events = [];
  channel.on('message', ({ data }) => events.push(data));
  channel.on('error', (error) => events.push(error.code));
  await once(channel, 'close');
  assert.deepEqual(events, ['last words']);
});

test("a slow reader makes postMessage return false, then 'drain'; ignoring it is refused past the limit", async () => {
  const { channel, child } = launch('stall');
  assert.equal(await firstMessage(child), 'stalling');
  const megabyte = new Uint8Array(1024 * 1024);
  let sent = 0;
  let firstFalse = -1;
  let refused;
  for (; sent < 400; ++sent) {
    try {
      const mayContinue = channel.postMessage(megabyte);
      if (!mayContinue && firstFalse < 0) firstFalse = sent;
    } catch (error) {
      refused = error;
      break;
    }
  }
  assert.ok(firstFalse >= 7 && firstFalse <= 9, `backpressure at message ${firstFalse}, expected near 8 MiB`);
  assert.equal(refused?.code, 'ERR_RENDEZVOUS_QUEUE_FULL');
  assert.ok(channel.queuedBytes >= 256 * 1024 * 1024 && channel.queuedBytes < 258 * 1024 * 1024);
  const drained = once(channel, 'drain');
  child.send('read now');
  await drained;
  assert.equal(channel.queuedBytes, 0);
  const done = firstMessage(child, 30000);
  channel.close();
  const { bytes } = await done;
  assert.equal(bytes, sent * megabyte.length, 'every accepted message arrived');
});

test('a message handed to the system before close() still reaches a reader that comes later', async () => {
  const { channel, child } = launch('stall');
  assert.equal(await firstMessage(child), 'stalling');
  // More than a Windows pipe holds (64 KiB), less than a Linux socket does:
  // on Windows its last frame is still being written when the end closes.
  const message = crypto.randomBytes(100_000);
  channel.postMessage(message);
  await waitFor(() => channel.queuedBytes === 0, 5000, 'the message to leave the queue');
  const done = firstMessage(child, 30000);
  channel.close();
  child.send('read now');
  assert.equal((await done).bytes, message.length);
  child.kill();
  await exited(child);
});

test("descriptors nobody takes are closed after 'message'; taken ones are the taker's", async () => {
  const [a, b] = Channel.pair();
  const baseline = await settledFdCount();
  const readFd = pipeHolding('taken');
  const ignoredFd = pipeHolding('ignored');
  a.postMessage('two fds', [
    { fd: readFd, disposition: 'move' },
    { fd: ignoredFd, disposition: 'copy' },
  ]);
  fs.closeSync(ignoredFd);
  let taken;
  const { handles } = await new Promise((resolve) => {
    b.once('message', (message) => {
      taken = message.handles[0].takeFd(); // during the event, as documented
      resolve(message);
    });
  });
  assert.ok(handles.every((handle) => handle instanceof ReceivedFd));
  assert.equal(fs.readFileSync(taken, 'utf8'), 'taken');
  assert.equal(handles[1].available, false, 'the untaken one was closed');
  assert.throws(() => handles[1].takeFd(), { code: 'ERR_RENDEZVOUS_CLOSED' });
  fs.closeSync(taken);
  // Received descriptors are closed on the addon's release thread.
  await waitFor(() => openFdCount() === baseline, 3000, 'the untaken descriptor to be closed');
  a.close();
  b.close();
});

test('a message with no listener left has all its handles closed', async () => {
  const [a, b] = Channel.pair();
  const baseline = await settledFdCount();
  const region = SharedMemory.create(4096);
  const { readFd, writeFd } = makePipe();
  fs.closeSync(writeFd);
  b.start();
  a.postMessage('unwanted', [region, { fd: readFd, disposition: 'move' }]);
  region.close();
  await waitFor(() => openFdCount() === baseline, 3000, 'the handles to be closed');
  a.close();
  b.close();
});

test('bad arguments fail with codes and leave every handle with the caller', async () => {
  const [a, b] = Channel.pair();
  const { readFd, writeFd } = makePipe();
  const baseline = await settledFdCount();
  assert.throws(() => a.postMessage(42), { name: 'TypeError', code: 'ERR_RENDEZVOUS_INVALID_ARGUMENT' });
  assert.throws(() => a.postMessage('x', 'not an array'), { code: 'ERR_RENDEZVOUS_INVALID_ARGUMENT' });
  assert.throws(() => a.postMessage('x', [{ fd: readFd }]), { code: 'ERR_RENDEZVOUS_INVALID_RIGHT' });
  assert.throws(() => a.postMessage('x', [{ port: 5, disposition: 'move-send' }]), {
    code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
  });
  assert.throws(() => a.postMessage('x', [a]), { code: 'ERR_RENDEZVOUS_INVALID_RIGHT' });
  assert.throws(() => a.postMessage('x', new Array(65).fill({ fd: readFd, disposition: 'copy' })), {
    code: 'ERR_RENDEZVOUS_TOO_MANY_RIGHTS',
  });
  // A closed descriptor after a channel end: the send fails, the end and
  // the moved descriptor stay with the caller.
  const [c, d] = Channel.pair();
  fs.closeSync(writeFd);
  assert.throws(
    () => a.postMessage('x', [c, { fd: readFd, disposition: 'move' }, { fd: writeFd, disposition: 'copy' }]),
    { code: 'ERR_RENDEZVOUS_INVALID_RIGHT' },
  );
  assert.equal(c.closed, false, 'the channel end was taken back');
  fs.fstatSync(readFd); // still open, still the caller's
  // The second pair is new; the closed write end is gone.
  assert.equal(openFdCount(), baseline + 2 * FDS_PER_CHANNEL_END - 1, 'only the second pair is new');
  fs.closeSync(readFd);
  for (const end of [a, b, c, d]) end.close();
});

test('1,000 channel open/close cycles, with messages and handles in flight, leave the fd count unchanged', async () => {
  const baseline = await settledFdCount();
  const region = SharedMemory.create(4096);
  for (let i = 0; i < 1000; ++i) {
    const [a, b] = Channel.pair();
    a.postMessage(`cycle ${i}`, [region]);
    if (i % 2 === 0) {
      const { handles } = await nextMessage(b);
      handles[0].close();
    }
    a.close();
    b.close();
  }
  region.close();
  await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
});

test('the same descriptor moved twice, or a closed one, is refused before anything is taken', () => {
  const [a, b] = Channel.pair();
  const { readFd, writeFd } = makePipe();
  assert.throws(
    () =>
      a.postMessage('x', [
        { fd: readFd, disposition: 'move' },
        { fd: readFd, disposition: 'move' },
      ]),
    { code: 'ERR_RENDEZVOUS_INVALID_RIGHT' },
  );
  fs.closeSync(writeFd);
  assert.throws(() => a.postMessage('x', [{ fd: writeFd, disposition: 'move' }]), {
    code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
  });
  fs.fstatSync(readFd); // still open, still the caller's
  fs.closeSync(readFd);
  a.close();
  b.close();
});

test('messages with no data still count against the queue limit', () => {
  const [a, b] = Channel.pair();
  let refused;
  let sent = 0;
  for (; sent < 200000; ++sent) {
    try {
      a.postMessage(new Uint8Array(0));
    } catch (error) {
      refused = error;
      break;
    }
  }
  assert.equal(refused?.code, 'ERR_RENDEZVOUS_QUEUE_FULL');
  assert.ok(sent < 200000);
  a.close();
  b.close();
});

test('a failed send reported later, on an end nobody holds, does not crash after a GC', async () => {
  const script = `
    const { Channel } = require(${JSON.stringify(require.resolve('../dist/main'))});
    (() => {
      const [a, b] = Channel.pair();
      b.close();
      a.on('error', () => {});
      a.postMessage('into the void'); // fails: reported from the event loop
      a.unref();
    })();
    global.gc();
    setTimeout(() => { global.gc(); console.log('alive'); }, 50);
  `;
  const { stdout, status } = childProcess.spawnSync(process.execPath, ['--expose-gc', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(status, 0);
  assert.equal(stdout.trim(), 'alive');
});

test('a descriptor an open end owns cannot be adopted as a second end, and the first end works on', async () => {
  const child = track(
    childProcess.spawn(process.execPath, [fixture('adopt-twice.js')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const { out, code } = await stdoutOf(child);
  const result = JSON.parse(out);
  assert.equal(code, 0, out);
  assert.equal(result.refused?.code, 'ERR_RENDEZVOUS_INVALID_RIGHT');
  assert.match(result.refused.message, /^Handle \d+ is already an open channel end's$/);
  assert.equal(result.data, 'still carried');
});

test(
  'both ends Channel.pair() makes are close-on-exec, and a process launched meanwhile inherits neither',
  { skip: NEEDS_PROC },
  async () => {
    const before = openFds();
    const [a, b] = Channel.pair();
    try {
      const ends = fdsOpenedSince(before);
      assert.equal(ends.filter(({ target }) => target.startsWith('socket:')).length, 2, 'two sockets');
      for (const { fd, target, closeOnExec } of ends) assert.equal(closeOnExec, true, `fd ${fd} (${target})`);
      const inherited = await targetsInheritedByGrandchild();
      for (const { target } of ends)
        assert.ok(!inherited.includes(target), `a launched process inherited ${target}`);
    } finally {
      a.close();
      b.close();
    }
  },
);

test(
  'descriptors that arrive in channel messages are close-on-exec on both sides, and a process the child launches inherits none',
  { skip: NEEDS_PROC },
  async () => {
    const [mine, theirs] = Channel.pair();
    const launched = server.prepareLaunch({ 1: theirs });
    // Without the preload, so the child sees its fd table before the rendezvous.
    const child = track(
      childProcess.fork(fixture('report-close-on-exec.js'), ['channel'], {
        env: { ...process.env, ...launched.env },
        execArgv: [],
      }),
    );
    launched.bind(child.pid);
    assert.equal((await nextMessage(mine)).data, 'ready');
    const region = SharedMemory.create(4096);
    const [forChild, kept] = Channel.pair();
    const pipe = pipeHolding('to the child');
    const report = firstMessage(child);
    // Received descriptors are taken during 'message', as documented.
    const reply = new Promise((resolve) =>
      mine.once('message', ({ handles, take }) => resolve({ fd: handles[0].takeFd(), region: take(1) })),
    );
    mine.postMessage('take these', [{ fd: pipe, disposition: 'copy' }, region, forChild]);

    const { taken, opened, grandchildTargets } = await report;
    assert.equal(opened.length, 3, `an fd, a region and a channel end: ${JSON.stringify(opened)}`);
    assert.ok(
      opened.some(({ fd }) => fd === taken[0].fd),
      'the taken fd is among them',
    );
    for (const { fd, target, closeOnExec } of opened) {
      assert.equal(closeOnExec, true, `fd ${fd} (${target}) is close-on-exec in the child`);
      assert.ok(!grandchildTargets.includes(target), `the grandchild inherited ${target}`);
    }

    const { fd, region: receivedRegion } = await reply;
    const received = describeFds([fd, receivedRegion[sharedMemoryNative].handle]);
    assert.match(received[1].target, /^\/memfd:/);
    for (const { fd: number, target, closeOnExec } of received) {
      assert.equal(closeOnExec, true, `fd ${number} (${target}) received by the parent is close-on-exec`);
    }
    fs.closeSync(fd);
    for (const object of [receivedRegion, region, kept, mine]) object.close();
    fs.closeSync(pipe);
    child.disconnect();
    await exited(child);
  },
);

test(
  'descriptors queued in an unsent message are close-on-exec, even a moved one that was not',
  { skip: NEEDS_PROC },
  async () => {
    await expectHandOverCloseOnExec('queue');
  },
);
