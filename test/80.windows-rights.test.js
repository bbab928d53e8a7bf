'use strict';
// The Windows backend between real Windows processes: host descriptors and
// raw handles reaching forked children, the pipe's first-instance rule, the
// parent check, release at a child's death, and raw hostile clients. The
// native side is test/fixtures/win-peer.c (built by win-build-peer.js).
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, afterEach, before, describe, test } = require('node:test');

const PEER = path.join(__dirname, '..', 'build', 'win32-x64', 'fixtures', 'win-peer.exe');

if (process.platform !== 'win32') {
  test('windows rights', { skip: 'the Windows backend runs on Windows only' }, () => {});
  test('off Windows a raw { handle } right is refused, by TypeScript and by the addon', () => {
    const rendezvous = require('../dist/main');
    const { RightKind } = require('../dist/lib/native');
    const addon = require(
      process.env.ELECTRON_PORT_RENDEZVOUS_ADDON ??
        path.join(__dirname, '..', 'build', 'Release', 'electron_port_rendezvous.node'),
    );
    const server = rendezvous.RendezvousServer.instance();
    try {
      assert.throws(
        () => server.registerPortsForPid(process.pid, { 1: { handle: 4, disposition: 'copy' } }),
        {
          code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
          message: /only on Windows/,
        },
      );
      assert.throws(
        () => addon.prepareLaunch([{ key: 1, handle: 0, disposition: 'copy', payload: RightKind.Handle }]),
        {
          code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
          message: /only on Windows/,
        },
      );
    } finally {
      server.stop();
    }
  });
} else if (!fs.existsSync(PEER)) {
  test(
    'windows rights',
    { skip: 'win-peer.exe is not built (node test/fixtures/win-build-peer.js)' },
    () => {},
  );
} else {
  describe('windows rights', windowsSuite);
}

/** Runs win-peer.exe; its one line of output. */
function peer(...args) {
  const result = childProcess.spawnSync(PEER, args.map(String), { encoding: 'utf8' });
  const line = (result.stdout ?? '').trim();
  if (result.status !== 0) throw new Error(`win-peer ${args.join(' ')}: ${line || result.error}`);
  return line;
}

/** Whether win-peer.exe fails (exits 1) for `args`. */
function peerFails(...args) {
  return childProcess.spawnSync(PEER, args.map(String), { encoding: 'utf8' }).status === 1;
}

/** How many handles this process holds, once the count stops moving. */
async function settledHandleCount() {
  let last = Number(peer('handles', process.pid));
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = Number(peer('handles', process.pid));
    if (now === last) return now;
    last = now;
  }
  return last;
}

function windowsSuite() {
  const rendezvous = require('../dist/main');
  const { exited, firstMessage, fixture, killStragglers, track } = require('./support/children');
  const { ENDPOINT_PATTERN } = require('./support/platform');
  const fork = (...args) => track(rendezvous.fork(...args));
  let server;
  let directory;

  before(() => {
    server = rendezvous.RendezvousServer.instance({ requestReadTimeoutMs: 500 });
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'rdv-win-'));
  });
  afterEach(killStragglers);
  after(() => {
    server.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  function fileHolding(name, text) {
    const file = path.join(directory, name);
    fs.writeFileSync(file, text);
    return fs.openSync(file, 'r');
  }

  test('the endpoint is a pipe of this process, named as the client accepts', () => {
    assert.match(server.endpoint, ENDPOINT_PATTERN);
  });

  test('a file descriptor copied and one moved reach a forked child, which reads both with fs', async () => {
    const copied = fileHolding('copied.txt', 'copied words');
    const moved = fileHolding('moved.txt', 'moved words');
    const child = fork(fixture('win-take-rights.js'), [], {
      ports: { 1: { fd: copied, disposition: 'copy' }, 2: { fd: moved, disposition: 'move' } },
    });
    const report = await firstMessage(child);
    assert.deepEqual(report.rights, {
      1: { fd: 'number', text: 'copied words' },
      2: { fd: 'number', text: 'moved words' },
    });
    assert.equal(report.error, null);
    // A copy leaves the caller its descriptor; a move gives it up once sent.
    const buffer = Buffer.alloc(6);
    fs.readSync(copied, buffer, 0, 6, 0);
    assert.equal(buffer.toString(), 'copied');
    assert.throws(() => fs.fstatSync(moved), { code: 'EBADF' });
    fs.closeSync(copied);
    child.send('exit');
    await exited(child);
  });

  test('raw handles (an event moved, a section copied) reach the child as handles of its own', async () => {
    const event = Number(peer('give-event', process.pid));
    const section = Number(peer('give-section', process.pid, 'section words'));
    const child = fork(fixture('win-take-rights.js'), [], {
      ports: { 1: { handle: event, disposition: 'move' }, 2: { handle: section, disposition: 'copy' } },
    });
    const report = await firstMessage(child);
    assert.equal(report.wrongKind, 'ERR_RENDEZVOUS_WRONG_KIND', 'takeFd refuses a handle');
    const { 1: given, 2: shared } = report.rights;
    assert.equal(typeof given.handle, 'number');
    assert.equal(peer('check-event', child.pid, given.handle), 'event');
    assert.equal(peer('read-section', child.pid, shared.handle), 'section words');
    // The copied section is still the caller's; the moved event is not.
    assert.equal(peer('read-section', process.pid, section), 'section words');
    assert.ok(peerFails('check-event', process.pid, event), 'the moved event is no longer the caller’s');
    child.send('exit');
    await exited(child);
  });

  test('a raw handle right is checked: open, one kind of number, never mixed with an fd', () => {
    const fd = fileHolding('mixed.txt', 'x');
    assert.throws(
      () => server.registerPortsForPid(process.pid, { 1: { handle: 0x7ffffff0, disposition: 'copy' } }),
      {
        code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
        message: /handle 2147483632 is not open/,
      },
    );
    assert.throws(
      () => server.registerPortsForPid(process.pid, { 1: { handle: 4, fd, disposition: 'copy' } }),
      {
        code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
      },
    );
    assert.throws(() => server.registerPortsForPid(process.pid, { 1: { handle: -4, disposition: 'copy' } }), {
      code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
    });
    assert.throws(
      () => server.registerPortsForPid(process.pid, { 1: { handle: 4, disposition: 'make-send' } }),
      {
        code: 'ERR_RENDEZVOUS_INVALID_DISPOSITION',
      },
    );
    fs.closeSync(fd);
  });

  const wine = peer('wine').startsWith('wine');
  test(
    'nobody else can make the first instance of the server’s pipe: a second server of its name fails',
    {
      skip: wine && 'Wine creates a second FILE_FLAG_FIRST_PIPE_INSTANCE pipe of a name in use',
    },
    () => {
      assert.match(peer('squat', server.endpoint), /^refused (5|231)$/);
    },
  );

  test('a child whose server is not its parent gets ERR_RENDEZVOUS_NOT_PARENT', async () => {
    const stranger = track(childProcess.fork(fixture('win-stranger-server.js')));
    const { endpoint } = await firstMessage(stranger);
    const child = track(
      childProcess.fork(fixture('win-take-rights.js'), [], {
        env: { ...process.env, ELECTRON_PORT_RENDEZVOUS_ENDPOINT: endpoint },
        execArgv: ['--require', rendezvous.PRELOAD_PATH],
      }),
    );
    const report = await firstMessage(child);
    assert.equal(report.ok, false);
    assert.equal(report.error, 'ERR_RENDEZVOUS_NOT_PARENT');
    child.send('exit');
    stranger.kill();
    await Promise.all([exited(child), exited(stranger)]);
  });

  test('a child killed before it claims: its rights are released, and the parent’s handle count returns', async () => {
    const file = path.join(directory, 'unclaimed.txt');
    fs.writeFileSync(file, 'never read');
    const fd = fs.openSync(file, 'r');
    const baseline = await settledHandleCount();
    const ports = {};
    for (let key = 1; key <= 48; key++) ports[key] = { fd, disposition: 'copy' };
    const child = fork(fixture('win-idle.js'), [], { ports });
    fs.closeSync(fd); // from here only the server's copies hold the file
    assert.equal(await firstMessage(child), 'running');
    const held = await settledHandleCount();
    assert.ok(held >= baseline + 47, `the server holds 48 copies (${baseline} -> ${held})`);
    assert.equal(peer('exclusive', file), 'held');
    child.kill();
    await exited(child);
    let now = held;
    for (let i = 0; i < 40 && now > baseline + 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      now = Number(peer('handles', process.pid));
    }
    assert.ok(now <= baseline + 8, `released at the child's exit (${baseline} -> ${held} -> ${now})`);
    assert.equal(peer('exclusive', file), 'free');
  });

  test('a hostile parent’s bad handle values are refused with ERR_RENDEZVOUS_BAD_REPLY, and what it gave is closed', () => {
    for (const how of ['bogus', 'kind', 'twice', 'mach', 'count']) {
      const line = peer(
        'serve-bad',
        how,
        process.execPath,
        rendezvous.PRELOAD_PATH,
        fixture('win-report-client-error.js'),
      );
      const [json, leaked] = line.split(' leaked=');
      assert.deepEqual(JSON.parse(json), { ok: false, code: 'ERR_RENDEZVOUS_BAD_REPLY', keys: [] }, how);
      assert.equal(leaked, how === 'bogus' ? 'none' : '0', `${how}: the event given stays open in the child`);
    }
  });

  test('raw hostile clients get the pipe closed on them, nothing leaks, and a child is served after them', async () => {
    for (const how of ['short', 'long', 'magic', 'die', 'silent']) peer('hostile', server.endpoint, how);
    const baseline = await settledHandleCount();
    for (let round = 0; round < 3; round++) {
      for (const how of ['short', 'long', 'magic', 'die', 'silent']) {
        assert.match(peer('hostile', server.endpoint, how), /^(closed \d+|)$/, how);
      }
    }
    const after = await settledHandleCount();
    assert.ok(after <= baseline + 4, `no handle kept for hostile clients (${baseline} -> ${after})`);
    // At most the instance this count connects to and the next listener.
    const instances = Number(peer('instances', server.endpoint));
    assert.ok(instances <= 2, `no pipe instance kept for hostile clients (${instances})`);
    const fd = fileHolding('after-hostile.txt', 'still served');
    const child = fork(fixture('win-take-rights.js'), [], { ports: { 1: { fd, disposition: 'move' } } });
    assert.deepEqual((await firstMessage(child)).rights, { 1: { fd: 'number', text: 'still served' } });
    child.send('exit');
    await exited(child);
  });
}
