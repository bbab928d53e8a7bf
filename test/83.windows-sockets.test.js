'use strict';
// Sockets as rights on Windows, between real processes: a native caller's
// SOCKET (test/fixtures/win-socket-addon.c) handed to a forked child by
// `{ handle }`, exported with WSADuplicateSocketW for that child and made
// there by WSASocketW; what `move` and `copy` leave the parent; unclaimed
// sockets closed; malformed protocol information in a reply refused; and
// the clear error Node's own socket objects get on Windows.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { afterEach, after, before, describe, test } = require('node:test');

const ADDON = path.join(__dirname, '..', 'build', 'win32-x64', 'fixtures', 'win-socket-addon.node');

if (process.platform !== 'win32') {
  test('windows sockets', { skip: 'Windows sockets (WSADuplicateSocketW) exist on Windows only' }, () => {});
} else if (!fs.existsSync(ADDON)) {
  test(
    'windows sockets',
    { skip: 'win-socket-addon.node is not built (node test/fixtures/win-build-socket-addon.js)' },
    () => {},
  );
} else {
  describe('windows sockets', windowsSuite);
}

// The Windows reply frame (addon/win/reply_frame.h): the shared reply, one
// u64 slot per entry, then one WSAPROTOCOL_INFOW per socket slot.
const SOCKET_SLOT = 0xffffffffffffffffn;
const HANDLE_KIND = 6;
const FD_KIND = 0;

function replyFrame(kind, slot, info) {
  const head = Buffer.alloc(12 + 16 + 8);
  head.write('EPR!', 0, 'latin1');
  head.writeUInt16LE(2, 4);
  head.writeUInt32LE(1, 8);
  head.writeUInt32LE(1, 12); // key
  head.writeUInt32LE(kind, 16);
  head.writeBigUInt64LE(0n, 20); // byte_length
  head.writeBigUInt64LE(slot, 28);
  return Buffer.concat([head, info]);
}

function windowsSuite() {
  const rendezvous = require('../dist/main');
  const sockets = require(ADDON);
  const { exited, firstMessage, fixture, killStragglers, track } = require('./support/children');
  const fork = (...args) => track(rendezvous.fork(...args));
  const CHILD = fixture('win-socket-child.js');
  let server;

  before(() => {
    server = rendezvous.RendezvousServer.instance({ requestReadTimeoutMs: 500 });
  });
  afterEach(killStragglers);
  after(() => server.stop());

  /** Whether a connection to 127.0.0.1:`port` is refused (closed if made). */
  function refused(port) {
    try {
      sockets.close(sockets.connect(port));
      return false;
    } catch (error) {
      if (error.code === 'WSAECONNREFUSED') return true;
      throw error;
    }
  }

  /** Waits until nothing listens on `port` any more. */
  async function becomesRefused(port) {
    for (let i = 0; i < 100; i++) {
      if (refused(port)) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  /** A child given `right` under key 1 in `mode`; its first report. */
  async function childWith(mode, right) {
    const child = fork(CHILD, [mode], { ports: { 1: right } });
    return { child, report: await firstMessage(child) };
  }

  function checkReport(report) {
    assert.equal(report.ok, true);
    assert.deepEqual(report.keys, [1]);
    assert.equal(report.handle, 'number');
    assert.equal(report.isSocket, true, 'takeHandle() gives a socket of the child’s own');
    assert.equal(report.takeFd, 'ERR_RENDEZVOUS_WRONG_KIND');
    assert.match(report.takeFdMessage, /Windows handle, such as a socket.*takeHandle\(\)/);
  }

  /** The child accepts the connection made here and answers its bytes. */
  async function exchangeThroughListener(child, port) {
    child.send('go');
    const connection = sockets.connect(port);
    try {
      sockets.send(connection, Buffer.from('ping'));
      assert.equal(sockets.recv(connection, 10000).toString(), 'pong ping');
    } finally {
      sockets.close(connection);
    }
    assert.deepEqual(await firstMessage(child), { heard: 'ping' });
  }

  for (const disposition of ['copy', 'move']) {
    test(`a listening socket (${disposition}) reaches the child, which accepts the parent’s connection`, async () => {
      const [listener, port] = sockets.listen();
      const { child, report } = await childWith('listening', { handle: Number(listener), disposition });
      checkReport(report);
      await exchangeThroughListener(child, port);
      if (disposition === 'copy') {
        assert.equal(sockets.isSocket(listener), true, 'a copy leaves the parent its socket');
        child.send('exit');
        await exited(child);
        // Still listening here: the parent's own socket.
        assert.equal(refused(port), false);
        assert.equal(sockets.close(listener), 0);
      } else {
        assert.equal(sockets.isSocket(listener), false, 'a move closes the parent’s socket once sent');
        child.send('exit');
        await exited(child);
        assert.equal(await becomesRefused(port), true, 'nobody listens once the child closed it');
      }
    });

    test(`a connected socket (${disposition}) reaches the child, which answers the parent`, async () => {
      const [mine, theirs] = sockets.pair();
      const { child, report } = await childWith('connected', { handle: Number(theirs), disposition });
      checkReport(report);
      child.send('go');
      sockets.send(mine, Buffer.from('hello'));
      assert.equal(sockets.recv(mine, 10000).toString(), 'pong hello');
      assert.deepEqual(await firstMessage(child), { heard: 'hello' });
      assert.equal(sockets.isSocket(theirs), disposition === 'copy');
      if (disposition === 'copy') sockets.close(theirs);
      child.send('exit');
      await exited(child);
      // Every holder closed the other end: it reads as closed here.
      assert.equal(sockets.recv(mine, 10000).length, 0);
      sockets.close(mine);
    });
  }

  test('an unclaimed socket is closed when the child exits', async () => {
    const [listener, port] = sockets.listen();
    const { child, report } = await childWith('unclaimed', { handle: Number(listener), disposition: 'move' });
    assert.deepEqual([report.ok, report.keys], [true, [1]]);
    assert.equal(refused(port), false, 'the child holds the listening socket, untaken');
    child.send('exit');
    await exited(child);
    assert.equal(await becomesRefused(port), true);
  });

  test('a socket moved to a child killed before it claims is closed by the server', async () => {
    const [listener, port] = sockets.listen();
    const child = fork(fixture('win-idle.js'), [], {
      ports: { 1: { handle: Number(listener), disposition: 'move' } },
    });
    assert.equal(await firstMessage(child), 'running');
    assert.equal(refused(port), false, 'the server holds it for the child');
    child.kill();
    await exited(child);
    assert.equal(await becomesRefused(port), true);
  });

  test('malformed protocol information in a reply is refused with ERR_RENDEZVOUS_BAD_REPLY', async () => {
    const [listener] = sockets.listen();
    try {
      const cases = {
        sound: (info) => replyFrame(HANDLE_KIND, SOCKET_SLOT, info),
        truncated: (info) => replyFrame(HANDLE_KIND, SOCKET_SLOT, info.subarray(0, info.length - 1)),
        oversized: (info) => replyFrame(HANDLE_KIND, SOCKET_SLOT, Buffer.concat([info, Buffer.alloc(1)])),
        family: (info) => {
          const bad = Buffer.from(info);
          bad.writeInt32LE(12345, 0x4c); // iAddressFamily, after ProtocolChain and iVersion
          return replyFrame(HANDLE_KIND, SOCKET_SLOT, bad);
        },
        'as an fd': (info) => replyFrame(FD_KIND, SOCKET_SLOT, info),
      };
      for (const [how, frameOf] of Object.entries(cases)) {
        const [endpoint, pipe] = sockets.hostilePipe();
        const child = track(
          childProcess.fork(CHILD, ['unclaimed'], {
            env: { ...process.env, ELECTRON_PORT_RENDEZVOUS_ENDPOINT: endpoint },
            execArgv: ['--require', rendezvous.PRELOAD_PATH],
          }),
        );
        const reported = firstMessage(child);
        try {
          sockets.answer(pipe, frameOf(sockets.duplicate(listener, child.pid)), 10000);
        } finally {
          sockets.closeHandle(pipe);
        }
        const report = await reported;
        if (how === 'sound') assert.deepEqual([report.ok, report.keys], [true, [1]], how);
        else assert.deepEqual([report.ok, report.error], [false, 'ERR_RENDEZVOUS_BAD_REPLY'], how);
        child.send('exit');
        await exited(child);
      }
    } finally {
      sockets.close(listener);
    }
  });

  test('Node’s own sockets are refused with a clear error: Windows Node exposes no SOCKET', async () => {
    const listener = net.createServer();
    await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      assert.throws(() => server.registerPortsForPid(process.pid, { 1: listener }), {
        code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
        message:
          /exposes no descriptor for a Server: on Windows Node keeps its SOCKET to itself .* as \{ handle \} instead/,
      });
    } finally {
      listener.close();
    }
  });
}
