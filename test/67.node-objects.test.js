'use strict';
// Node's own objects handed over as they are — a listening net.Server, a
// connected net.Socket, a bound dgram.Socket, a FileHandle — in ports and in
// channel messages, and turned back into Node objects in a real child.
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { once } = require('node:events');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');
const { after, afterEach, before, describe, test } = require('node:test');

const rendezvous = require('../dist/main');
const { Channel } = rendezvous;
const { firstMessage, fixture, killStragglers, track } = require('./support/children');
const { openFdCount, readFromPort, waitFor } = require('./support/fds');
const { WINDOWS_LACKS } = require('./support/windows-design');

let server;
before(() => {
  server = rendezvous.RendezvousServer.instance();
});
afterEach(killStragglers);
after(() => server.stop());

// Everything a test opens here, so a failing test cannot keep this process
// alive with a server or a socket it did not get to close.
const opened = new Set();
function keep(object) {
  opened.add(object);
  return object;
}
afterEach(() => {
  for (const object of opened) {
    if (object instanceof net.Socket) object.destroy();
    else if (object instanceof net.Server) object.close();
    else {
      try {
        object.close(); // a dgram.Socket, unless the test closed it
      } catch {}
    }
  }
  opened.clear();
});

const LINUX = process.platform === 'linux';

function forkChild(mode, ports) {
  return track(rendezvous.fork(fixture('node-objects-child.js'), [mode], { ports }));
}

async function listening(server, ...args) {
  keep(server).listen(...args);
  await once(server, 'listening');
  return server;
}

/** A loopback TCP server whose connections are not read here, and one
 * connection to it: [the accepted end, the client end]. */
async function connectedPair() {
  const acceptor = await listening(net.createServer({ pauseOnConnect: true }), 0, '127.0.0.1');
  const accepted = once(acceptor, 'connection');
  const clientEnd = keep(net.connect(acceptor.address().port, '127.0.0.1'));
  const [[acceptedEnd]] = await Promise.all([accepted, once(clientEnd, 'connect')]);
  acceptor.close();
  return [keep(acceptedEnd), clientEnd];
}

/** What `socket` receives until the other side ends it. */
async function readToEnd(socket) {
  let text = '';
  socket.setEncoding('utf8');
  for await (const chunk of socket) text += chunk;
  return text;
}

function temporaryFile() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epr-node-objects-'));
  return { file: path.join(dir, 'written'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test(
  'a child serves on a net.Server, a net.Socket, a dgram.Socket and a FileHandle handed as they are',
  { skip: WINDOWS_LACKS.nodeObjectDescriptors },
  async () => {
    const listener = await listening(net.createServer(), 0, '127.0.0.1');
    const [acceptedEnd, clientEnd] = await connectedPair();
    const udp = keep(dgram.createSocket('udp4'));
    await new Promise((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const udpPort = udp.address().port;
    const { file, remove } = temporaryFile();
    const fileHandle = await fs.promises.open(file, 'w+');
    try {
      const child = forkChild('serve', { 1: listener, 2: acceptedEnd, 3: udp, 4: fileHandle });
      // Shared, not taken: each object is still open and working here.
      assert.equal(listener.listening, true);
      assert.equal(acceptedEnd.destroyed, false);
      assert.ok(fileHandle.fd >= 0);
      // Hand them over for good: the child's copies keep the sockets open.
      const { port } = listener.address();
      listener.close();
      acceptedEnd.destroy();
      udp.close();

      const report = await firstMessage(child);
      assert.equal(report.ready, true);
      assert.equal(report.udpPort, udpPort, 'the child’s socket is the parent’s, on its port');

      assert.equal(await readFromPort(port), `served by ${child.pid}`);

      clientEnd.write('ping');
      assert.equal(await readToEnd(clientEnd), `pong from ${child.pid} to ping`);

      const asker = keep(dgram.createSocket('udp4'));
      const reply = once(asker, 'message');
      asker.send('hello', udpPort, '127.0.0.1');
      assert.equal(String((await reply)[0]), `heard hello in ${child.pid}`);
      asker.close();

      child.disconnect();
      assert.equal(fs.readFileSync(file, 'utf8'), `written by ${child.pid}`);
      if (LINUX) {
        // The three sockets received and the IPC channel, at least.
        assert.ok(report.socketsChecked >= 4, `only ${report.socketsChecked} sockets seen`);
        assert.equal(report.allCloseOnExec, true, 'a received descriptor lost close-on-exec');
      } else {
        test.diagnostic('close-on-exec read from /proc: Linux only');
      }
    } finally {
      await fileHandle.close();
      remove();
    }
  },
);

test(
  'takeServer(key, server) listens with the caller’s own http.Server',
  { skip: WINDOWS_LACKS.nodeObjectDescriptors },
  async () => {
    const listener = await listening(net.createServer(), 0, '127.0.0.1');
    const child = forkChild('http', { 1: listener });
    const { port } = listener.address();
    listener.close();
    assert.deepEqual(await firstMessage(child), { ready: true, isHttp: true });
    const response = await fetch(`http://127.0.0.1:${port}/path`);
    assert.equal(await response.text(), `http from ${child.pid} for /path`);
    child.disconnect();
  },
);

test(
  'a listening server and a connected socket travel in a channel message after launch',
  { skip: WINDOWS_LACKS.nodeObjectDescriptors },
  async () => {
    const [channel, theirs] = Channel.pair();
    const child = forkChild('channel', { 1: theirs });
    const listener = await listening(net.createServer(), 0, '127.0.0.1');
    const [acceptedEnd, clientEnd] = await connectedPair();
    assert.equal(channel.postMessage('yours', [listener, acceptedEnd]), true);
    const { port } = listener.address();
    listener.close();
    acceptedEnd.destroy();

    const report = await firstMessage(child);
    assert.equal(report.ready, true);
    assert.equal(report.takenTwice.code, 'ERR_RENDEZVOUS_CLOSED');
    if (LINUX) {
      // The two sockets received, the channel and the IPC channel, at least.
      assert.ok(report.socketsChecked >= 4, `only ${report.socketsChecked} sockets seen`);
      assert.equal(report.allCloseOnExec, true, 'a descriptor from the message lost close-on-exec');
    }
    assert.equal(await readFromPort(port), `served over the channel by ${child.pid}`);
    clientEnd.write('ping');
    assert.equal(await readToEnd(clientEnd), 'pong over the channel to ping');
    channel.close();
    child.disconnect();
  },
);

test(
  'a take*() that does not fit what the key holds is refused, and the right stays unless it was adopted',
  { skip: WINDOWS_LACKS.nodeObjectDescriptors },
  async () => {
    const { file, remove } = temporaryFile();
    const fd = fs.openSync(file, 'w+');
    const tcp = await listening(net.createServer(), 0, '127.0.0.1');
    const udp = keep(dgram.createSocket('udp4'));
    await new Promise((resolve) => udp.bind(0, '127.0.0.1', resolve));
    try {
      const child = forkChild('refusals', { 1: { fd, disposition: 'copy' }, 2: tcp, 3: udp });
      const report = await firstMessage(child);
      const refused = (name, errorClass, code, keysAfter) => {
        assert.equal(report[name].class, errorClass, `${name}: ${report[name].message}`);
        assert.equal(report[name].code, code, name);
        assert.deepEqual(report[name].keysAfter, keysAfter, `${name}: keys after`);
      };
      refused('takeServer(file)', 'TypeError', 'ERR_RENDEZVOUS_WRONG_KIND', [1, 2, 3]);
      refused('takeSocket(file)', 'TypeError', 'ERR_RENDEZVOUS_WRONG_KIND', [1, 2, 3]);
      refused('takeDgramSocket(tcp)', 'TypeError', 'ERR_RENDEZVOUS_WRONG_KIND', [1, 2, 3]);
      refused('takeDgramSocket(no type)', 'TypeError', 'ERR_RENDEZVOUS_INVALID_ARGUMENT', [1, 2, 3]);
      refused(
        'takeServer(into a listening server)',
        'TypeError',
        'ERR_RENDEZVOUS_INVALID_ARGUMENT',
        [1, 2, 3],
      );
      // Node adopts before it can tell the family: the right is gone, closed.
      refused('takeDgramSocket(udp4 as udp6)', 'TypeError', 'ERR_RENDEZVOUS_WRONG_KIND', [1, 2]);
      assert.match(report['takeDgramSocket(udp4 as udp6)'].message, /IPv4/);
      assert.deepEqual(report['takeDgramSocket(again)'], { returned: 'null', keysAfter: [1, 2] });
      child.disconnect();
    } finally {
      fs.closeSync(fd);
      tcp.close();
      udp.close();
      remove();
    }
  },
);

describe('objects with no descriptor to give are refused with ERR_RENDEZVOUS_INVALID_RIGHT', () => {
  const invalidRight = (fn, pattern) =>
    assert.throws(fn, (error) => {
      assert.equal(error.constructor, TypeError);
      assert.equal(error.code, 'ERR_RENDEZVOUS_INVALID_RIGHT');
      assert.match(error.message, pattern);
      return true;
    });

  /** Registration and a channel message both refuse `object`, and take nothing. */
  async function refusedEverywhere(object, pattern) {
    const before = openFdCount();
    invalidRight(() => server.prepareLaunch({ 5: object }), new RegExp(`key 5: .*${pattern.source}`));
    const [mine, theirs] = Channel.pair();
    try {
      invalidRight(() => mine.postMessage('x', [object]), new RegExp(`Handle 0: .*${pattern.source}`));
    } finally {
      mine.close();
      theirs.close();
    }
    assert.equal(server.stats().pendingLaunches, 0);
    // The channel ends close on the release thread, a moment later.
    await waitFor(() => openFdCount() === before, 3000, `the fd count back to ${before}`);
  }

  test('a net.Server that is not listening', async () => {
    await refusedEverywhere(net.createServer(), /not listening/);
  });

  test('a net.Socket that is not connected, still connecting, or destroyed', async () => {
    await refusedEverywhere(new net.Socket(), /not connected/);
    const connecting = net.connect(9, '127.0.0.1');
    connecting.on('error', () => {});
    await refusedEverywhere(connecting, /still connecting/);
    connecting.destroy();
    await refusedEverywhere(connecting, /destroyed/);
  });

  test('a TLS socket, whose session cannot travel', async () => {
    const socket = new tls.TLSSocket(new net.Socket());
    await refusedEverywhere(socket, /TLS/);
    socket.destroy();
  });

  test('a dgram.Socket not bound yet, or closed', async () => {
    const udp = keep(dgram.createSocket('udp4'));
    await refusedEverywhere(udp, /not bound/);
    await new Promise((resolve) => udp.bind(0, '127.0.0.1', resolve));
    await new Promise((resolve) => udp.close(resolve));
    await refusedEverywhere(udp, /closed/);
  });

  test('a closed FileHandle', async () => {
    const fileHandle = await fs.promises.open('/dev/null', 'r');
    await fileHandle.close();
    await refusedEverywhere(fileHandle, /FileHandle is closed/);
  });

  test('a server where Node keeps no descriptor (as on Windows) gets a clear error', async () => {
    const listener = await listening(net.createServer(), 0, '127.0.0.1');
    // Windows' handles report fd -1: the same answer, here.
    const handle = listener._handle;
    Object.defineProperty(listener, '_handle', { value: { fd: -1 }, configurable: true, writable: true });
    try {
      await refusedEverywhere(listener, /exposes no descriptor for a Server/);
    } finally {
      listener._handle = handle;
      listener.close();
    }
  });
});
