'use strict';
// Handles in channel messages on Windows, between real processes: a frame's
// handles wait in an offer of the sender's and are pulled by whichever
// process reads the frame (addon/win/handle_offers.h). What only that design
// has: the reader may not be the process the end was in when the frame was
// written, offers go when nobody can read them any more, a sender gone
// first is a clear error, and a hostile peer's offers are refused. Handle
// counts come from the system's handle table (test/fixtures/win-peer.c).
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const path = require('node:path');
const { after, afterEach, before, test } = require('node:test');

const PEER = path.join(__dirname, '..', 'build', 'win32-x64', 'fixtures', 'win-peer.exe');
const SOCKETS = path.join(__dirname, '..', 'build', 'win32-x64', 'fixtures', 'win-socket-addon.node');

if (process.argv[2] === 'child') {
  runChild(process.argv[3]);
} else if (process.argv[2] === 'worker-unload') {
  workerUnloadChild();
} else if (process.platform !== 'win32') {
  test('windows channel handles', { skip: 'the Windows backend runs on Windows only' }, () => {});
} else if (!fs.existsSync(PEER)) {
  test(
    'windows channel handles',
    { skip: 'win-peer.exe is not built (node test/fixtures/win-build-peer.js)' },
    () => {},
  );
} else {
  windowsSuite();
}

/** The child side: takes the channel end under key 1 and does `mode`. */
function runChild(mode) {
  const { RendezvousClient, SharedMemory } = require('../dist/preload');
  const channel = RendezvousClient.instance().takeChannel(1);
  const modes = {
    // Reads the region of the first message, writes its pid after the
    // text, and answers with the text it read.
    'read-region'() {
      channel.once('message', ({ handles: [region] }) => {
        const text = Buffer.alloc(64);
        region.read(0, text);
        region.write(32, Buffer.from(`seen by ${process.pid}`));
        channel.postMessage(text.toString('utf8').replace(/\0+$/, ''));
      });
    },
    // Sends one message with a region of its own, then exits at once.
    'send-and-exit'() {
      const region = SharedMemory.create(4096);
      channel.postMessage('with a region', [region]);
      region.close();
      setTimeout(() => process.exit(0), 100);
    },
    // Sends each region it gets straight back, then says how many.
    echo() {
      channel.on('message', ({ data, handles }) => {
        if (data === 'done') channel.postMessage('echoed');
        else channel.postMessage(data, handles);
      });
      channel.postMessage('ready');
    },
  };
  modes[mode]();
}

/**
 * A process whose main thread never loads the addon: a Worker loads it and
 * sends a frame with a region on a channel whose other end win-peer takes
 * but reads only later; the Worker goes, so Node unloads the addon with
 * its environment. Then win-peer reads the frame and takes the region,
 * which runs the offer's thread-pool callback: in unmapped code, were the
 * module not pinned. Says what win-peer printed, then 'alive'.
 */
function workerUnloadChild() {
  const { Worker } = require('node:worker_threads');
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const { Channel, channelTransfer } = require(workerData.channel);
     const { SharedMemory } = require(workerData.sharedMemory);
     const [a, b] = Channel.pair();
     const region = SharedMemory.create(4096);
     a.postMessage('left behind', [region]);
     region.close();
     parentPort.postMessage(b[channelTransfer.lend]().release());
     setInterval(() => {}, 1000); // until terminated`,
    {
      eval: true,
      workerData: {
        channel: require.resolve('../dist/lib/channel'),
        sharedMemory: require.resolve('../dist/lib/shared-memory'),
      },
    },
  );
  worker.once('message', (end) => {
    const reader = childProcess.spawn(PEER, ['take-offer', process.pid, end, 1500].map(String));
    let out = '';
    reader.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      if (out === 'holding\n') worker.terminate();
    });
    reader.once('close', (code) => {
      process.send(`${out.trim().split('\n').pop()} (exit ${code})`);
      // Time for the callback the byte ran to finish, then proof of life.
      setTimeout(() => process.send('alive', () => process.exit(0)), 500);
    });
  });
}

function windowsSuite() {
  const rendezvous = require('../dist/main');
  const { Channel, SharedMemory } = rendezvous;
  const { channelTransfer } = require('../dist/lib/channel');
  const { sharedMemoryNative } = require('../dist/lib/shared-memory');
  const {
    channelClosed: closed,
    exited,
    killStragglers,
    nextChannelMessage: nextMessage,
    track,
  } = require('./support/children');

  let server;
  before(() => {
    server = rendezvous.RendezvousServer.instance();
  });
  afterEach(killStragglers);
  after(() => server.stop());

  /** Runs win-peer.exe; its one line of output. */
  function peer(...args) {
    const result = childProcess.spawnSync(PEER, args.map(String), { encoding: 'utf8' });
    const line = (result.stdout ?? '').trim();
    if (result.status !== 0) throw new Error(`win-peer ${args.join(' ')}: ${line || result.error}`);
    return line;
  }

  const turn = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

  /** How many handles `pid` holds, once the count stops moving. */
  async function settledHandleCount(pid = process.pid) {
    let last = Number(peer('handles', pid));
    for (let i = 0; i < 40; i++) {
      await turn();
      const now = Number(peer('handles', pid));
      if (now === last) return now;
      last = now;
    }
    return last;
  }

  /** Fails if this process holds more handles than `baseline` once settled. */
  async function noLeak(baseline) {
    const now = await settledHandleCount();
    assert.ok(now <= baseline + SLACK, `handles: ${baseline} before, ${now} after`);
  }

  function forkChild(mode, end) {
    return track(rendezvous.fork(__filename, ['child', mode], { ports: { 1: end } }));
  }

  // None: once warm (below), this process's handle count settles where it
  // was, so one leaked offer (a pipe, an event and a wait besides its
  // handles) or one pulled handle shows. The 1,000-message test allows
  // a little for what Node does meanwhile: a leak there is per message.
  const SLACK = 0;
  const NOISE = 4;

  // The first child forked and served leaves the server's own handles
  // (its next pipe instance and the like) behind: not the tests'.
  before(async () => {
    const [mine, theirs] = Channel.pair();
    const child = forkChild('echo', theirs);
    assert.equal((await nextMessage(mine)).data, 'ready');
    mine.close();
    child.kill();
    await exited(child);
  });

  test("a frame's handles go to whoever reads it, even when the end moved after it was written", async () => {
    const baseline = await settledHandleCount();
    const [e1, e2] = Channel.pair();
    const region = SharedMemory.create(4096);
    region.write(0, Buffer.from('written before the move'));
    e1.postMessage('a region', [region]);
    // Nobody has read the frame: the end that will read it goes to a child.
    const child = forkChild('read-region', e2);
    assert.equal(e2.closed, true);
    assert.equal((await nextMessage(e1)).data, 'written before the move');
    // The child mapped this very section: what it wrote, the parent sees.
    const seen = Buffer.alloc(32);
    region.read(32, seen);
    assert.equal(seen.toString('utf8').replace(/\0+$/, ''), `seen by ${child.pid}`);
    region.close();
    e1.close();
    child.kill();
    await exited(child);
    // The old holder took nothing, and the offer is gone now it was taken.
    await noLeak(baseline);
  });

  test('offers are closed when the peer end closes with them unread', async (t) => {
    const baseline = await settledHandleCount(); // the pair closes too
    const [a, b] = Channel.pair();
    a.on('message', () => {});
    await turn();
    const regions = Array.from({ length: 20 }, () => SharedMemory.create(4096));
    for (const region of regions) a.postMessage('unread', [region]);
    for (const region of regions) region.close();
    const offered = Number(peer('handles', process.pid));
    assert.ok(offered >= baseline + 40, `${offered} handles while 20 offers are up (from ${baseline})`);
    const aClosed = closed(a);
    b.close();
    assert.equal(await aClosed, null);
    const settled = await settledHandleCount();
    t.diagnostic(`handles: ${baseline} before, ${offered} with 20 offers up, ${settled} after`);
    assert.ok(settled <= baseline + SLACK, `handles: ${baseline} before, ${settled} after`);
  });

  test('a sender that exits before its frame is read: a clear error, and nothing leaks', async (t) => {
    const baseline = await settledHandleCount(); // the pair closes too
    const [mine, theirs] = Channel.pair();
    const child = forkChild('send-and-exit', theirs);
    await exited(child);
    const failure = closed(mine);
    mine.on('message', () => assert.fail('a message whose handles were lost arrived'));
    const error = await failure;
    assert.equal(error?.code, 'ERR_RENDEZVOUS_BAD_MESSAGE');
    t.diagnostic(error.message);
    // Why, from the system: the offer pipe is gone with its maker.
    assert.match(
      error.message,
      new RegExp(
        `could not be taken from process ${child.pid}: its offer cannot be opened .*: CreateFileW failed: .+\\(error 2\\)$`,
      ),
    );
    await noLeak(baseline);
  });

  test('1,000 messages with handles leave the handle counts flat on both sides', async (t) => {
    const [mine, theirs] = Channel.pair();
    const child = forkChild('echo', theirs);
    assert.equal((await nextMessage(mine)).data, 'ready');
    const region = SharedMemory.create(4096);
    let received = 0;
    const roundTrips = async (count) => {
      for (let i = 0; i < count; i++) {
        mine.postMessage(`m${i}`, [region]);
        const message = await nextMessage(mine);
        assert.equal(message.handles.length, 1);
        received += 1;
      }
    };
    await roundTrips(50); // warm: pools, threads, the loop's own handles
    const parentBefore = await settledHandleCount();
    const childBefore = await settledHandleCount(child.pid);
    await roundTrips(1000);
    mine.postMessage('done');
    assert.equal((await nextMessage(mine)).data, 'echoed');
    const parentAfter = await settledHandleCount();
    const childAfter = await settledHandleCount(child.pid);
    assert.equal(received, 1050);
    t.diagnostic(`handles: parent ${parentBefore} -> ${parentAfter}, child ${childBefore} -> ${childAfter}`);
    assert.ok(parentAfter <= parentBefore + NOISE, `parent: ${parentBefore} -> ${parentAfter}`);
    assert.ok(childAfter <= childBefore + NOISE, `child: ${childBefore} -> ${childAfter}`);
    region.close();
    mine.close();
    child.kill();
    await exited(child);
  });

  test('past the budget of offered handles a send is refused with a code, and the offers go', async () => {
    // Three pairs, as one pipe's buffer holds fewer frames than the budget.
    const pairs = Array.from({ length: 3 }, () => Channel.pair());
    const baseline = await settledHandleCount();
    const regions = Array.from({ length: 64 }, () => SharedMemory.create(4096));
    const last = pairs[2][0];
    const failure = closed(last);
    // 4,096 handles on offer at most: the 65th message of 64 is one too many.
    let thrown = null;
    try {
      for (let i = 0; i < 65; i++) pairs[Math.floor(i / 22)][0].postMessage(`batch ${i}`, regions);
    } catch (error) {
      thrown = error;
    }
    const error = thrown ?? (await failure);
    assert.equal(error?.code, 'ERR_RENDEZVOUS_QUEUE_FULL');
    assert.match(error.message, /already offers 4096 handles .*at most 4096/);
    for (const region of regions) region.close();
    // The refused end is closed; what it sent before is still read, and
    // its offers taken, by its peer.
    const drained = closed(pairs[2][1]);
    pairs[2][1].on('message', () => {});
    assert.equal(await drained, null);
    // The others' peers close unread: their offers go.
    for (const [a, b] of pairs.slice(0, 2)) {
      const aClosed = closed(a);
      a.on('message', () => {});
      b.close();
      assert.equal(await aClosed, null);
    }
    await noLeak(baseline);
  });

  /** Gives `theirs` to win-peer's bad-offer mode; resolves with its line. */
  function hostilePeer(how, theirs, value) {
    const handle = theirs[channelTransfer.lend]().release();
    const hostile = childProcess.spawn(PEER, ['bad-offer', how, process.pid, handle, value].map(String));
    let out = '';
    hostile.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    // 'close': its output is all in once its pipes are closed, not at 'exit'.
    return { hostile, done: once(hostile, 'close').then(() => out.trim()) };
  }

  for (const [how, why] of [
    ['no-pipe', /its offer cannot be opened/],
    ['other-pid', /its offer pipe was made by process \d+/],
    ['not-handle', /is not a handle it offers/],
    // A true offer whose server never says what it offers: the reader
    // waits a bounded time for the list, then refuses it.
    ['no-list', /its offer did not say what it offers in time/],
    // A true offer whose pipe has no room for the reader's byte, never
    // read: the reader waits a bounded time, then refuses it.
    ['no-room', /did not take its byte/],
  ]) {
    test(`a hostile peer's offer (${how}) is refused with a code, and leaks nothing`, async () => {
      // Before the region and the pair, which are closed before the count
      // is taken again: else their closing would hide a leak.
      const baseline = await settledHandleCount();
      const [mine, theirs] = Channel.pair();
      // other-pid names this process and one of its own handles: taken,
      // it would be a handle this process already owns.
      const region = SharedMemory.create(4096);
      const { hostile, done } = hostilePeer(how, theirs, region[sharedMemoryNative].handle);
      const failure = closed(mine);
      mine.on('message', () => assert.fail('a message with a bad offer arrived'));
      const error = await failure;
      assert.equal(error?.code, 'ERR_RENDEZVOUS_BAD_MESSAGE');
      assert.match(error.message, why);
      assert.match(error.message, new RegExp(`process ${how === 'other-pid' ? process.pid : hostile.pid}`));
      // Refused while the peer still held its offer up, not once it gave up.
      assert.equal(await done, 'sent\nclosed');
      region.write(0, Buffer.from('still this process’s')); // not closed by the refusal
      region.close();
      await noLeak(baseline);
    });
  }

  // The peer got a frame of ours, with our own live offer, and sends it
  // back naming that offer (our pid, its nonce: the pid check passes) but
  // with another value, one of our own handles, or the true value said to
  // be another kind. Only the offer's own list counts: refused, nothing
  // pulled, and our offer goes as its reader went.
  for (const [how, why] of [
    ['resend-value', /names handle 0 as value \d+ of kind 4, its offer holds value \d+ of kind 4/],
    ['resend-kind', /names handle 0 as value (\d+) of kind 5, its offer holds value \1 of kind 4/],
  ]) {
    test(`a frame naming our own offer with ${how.slice(7)} changed is refused, and leaks nothing`, async () => {
      const baseline = await settledHandleCount(); // as above
      const [mine, theirs] = Channel.pair();
      const carried = SharedMemory.create(4096);
      const owned = SharedMemory.create(4096);
      mine.postMessage('carried', [carried]);
      carried.close();
      const { done } = hostilePeer(how, theirs, owned[sharedMemoryNative].handle);
      const failure = closed(mine);
      mine.on('message', () => assert.fail('a message naming our own offer arrived'));
      const error = await failure;
      assert.equal(error?.code, 'ERR_RENDEZVOUS_BAD_MESSAGE');
      assert.match(error.message, new RegExp(`process ${process.pid}: `));
      assert.match(error.message, why);
      assert.equal(await done, 'sent\nclosed');
      owned.write(0, Buffer.from('still this process’s'));
      owned.close();
      await noLeak(baseline);
    });
  }

  test('an offer outliving the Worker that loaded the addon is still served, without a crash', async () => {
    const child = track(
      childProcess.fork(__filename, ['worker-unload'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }),
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const said = [];
    child.on('message', (line) => said.push(line));
    const [code] = await once(child, 'exit');
    assert.deepEqual(
      { code, said: said.map((line) => line.replace(/\d+/, 'N')) },
      { code: 0, said: ['taken N (exit 0)', 'alive'] },
      stderr,
    );
  });

  // Only a native caller names a raw handle (kind 6) in a message: a copy
  // is refused before it is duplicated (postMessage throws), a moved one
  // when its frame would be written (the end fails).
  for (const move of [false, true]) {
    test(
      `a socket in a channel message (${move ? 'move' : 'copy'}) is refused with a code`,
      {
        skip:
          !fs.existsSync(SOCKETS) &&
          'win-socket-addon.node is not built (node test/fixtures/win-build-socket-addon.js)',
      },
      async () => {
        const sockets = require(SOCKETS);
        const { native } = require('../dist/lib/native');
        const [listener] = sockets.listen();
        const [end, peerEnd] = native().createChannelPair();
        let reported = null;
        end.onEvent = (event, data) => {
          if (data?.code) reported ??= data;
        };
        peerEnd.onEvent = (event, data, isText, handles) => {
          if (handles?.length) assert.fail('a socket arrived in a message');
        };
        end.start();
        peerEnd.start();
        let error = null;
        try {
          end.postMessage(Buffer.from('a socket'), false, [
            { handle: Number(listener), kind: 6, byteLength: 0, move },
          ]);
        } catch (thrown) {
          error = thrown;
        }
        if (!move) assert.ok(error, 'a copied socket is refused at once');
        for (let i = 0; i < 100 && !error && !reported; i++) await turn();
        error ??= reported;
        assert.equal(error?.code, 'ERR_RENDEZVOUS_INVALID_RIGHT');
        assert.match(
          error.message,
          /is a socket: channel messages do not carry sockets yet.*through the rendezvous/,
        );
        if (!move) {
          assert.equal(sockets.isSocket(listener), true, 'a refused copy leaves the caller its socket');
          assert.equal(sockets.close(listener), 0);
        }
        end.close();
        peerEnd.close();
      },
    );
  }
}
