'use strict';
// Channel ends handed to prepareLaunch go back only into the object they
// came from, and only while the launch still holds them: never by a number
// the server may already have released and the process reused.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');

const { Channel, RendezvousServer } = require('../dist/main');
const { fdIsOpen, makePipe } = require('./support/fds');

const LINUX_ONLY =
  process.platform === 'linux'
    ? false
    : process.platform === 'win32'
      ? 'channel ends are pipe handles on Windows, not descriptors'
      : 'channel ends are Mach ports on macOS, not descriptors';

/** The descriptor numbers below 1024 open now (fstat opens nothing). */
function openNumbers() {
  const open = new Set();
  for (let fd = 0; fd < 1024; fd++) if (fdIsOpen(fd)) open.add(fd);
  return open;
}

test(
  'a launch given back after the server stopped leaves the descriptor that now has its channel end’s number alone',
  { skip: LINUX_ONLY },
  () => {
    const server = RendezvousServer.instance();
    const before = openNumbers();
    const [mine, theirs] = Channel.pair();
    const ends = [...openNumbers()].filter((fd) => !before.has(fd));
    assert.equal(ends.length, 2, 'a pair is two descriptors');
    const launch = server.prepareLaunch({ 1: theirs });
    server.stop();
    const [released] = ends.filter((fd) => !fdIsOpen(fd));
    assert.notEqual(released, undefined, 'stopping the server closed the end it held');

    // A file takes the number the server released.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'epr-reuse-')), 'file');
    fs.writeFileSync(file, 'unrelated');
    const fillers = [];
    let reused = -1;
    while (reused !== released && fillers.length < 1024) {
      reused = fs.openSync(file, 'r');
      fillers.push(reused);
    }
    assert.equal(reused, released, 'a file got the released number');
    try {
      launch.giveBack();
      assert.equal(theirs.closed, true, 'the end the stopped server released stays closed');
      assert.equal(
        fs.readFileSync(reused, 'utf8'),
        'unrelated',
        'the file that took the number is still open',
      );
    } finally {
      for (const fd of fillers) if (fdIsOpen(fd)) fs.closeSync(fd);
      fs.rmSync(path.dirname(file), { recursive: true });
      mine.close();
      theirs.close();
    }
  },
);

test('a refused prepareLaunch never takes the channel end: it goes on reading as it was', async () => {
  const server = RendezvousServer.instance();
  const [mine, theirs] = Channel.pair();
  try {
    const received = [];
    theirs.on('message', ({ data }) => received.push(data));
    const { writeFd, readFd } = makePipe();
    fs.closeSync(writeFd);
    assert.throws(() => server.prepareLaunch({ 1: theirs, 2: { fd: writeFd, disposition: 'move' } }), {
      code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
    });
    fs.closeSync(readFd);
    assert.equal(theirs.closed, false);
    assert.deepEqual(server.stats(), { registrations: 0, pendingLaunches: 0, heldRequests: 0 });
    const arrived = new Promise((resolve) => theirs.once('message', resolve));
    mine.postMessage('after the refusal');
    assert.equal((await arrived).data, 'after the refusal');
    assert.deepEqual(received, ['after the refusal']);
  } finally {
    mine.close();
    theirs.close();
    server.stop();
  }
});
