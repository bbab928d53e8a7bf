'use strict';
// Misbehaving peers, written without the project's code: the server keeps
// serving everyone else, the client fails with a clear error, nothing leaks.
// The raw peers (test/fixtures/raw-peer.c) speak the Linux transport's bytes,
// so this file runs on Linux only; on macOS the kernel itself shapes Mach
// messages, and the client's checks of them are shared with this file's
// through the core's reply decoder.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');
const { once } = require('node:events');
const { after, afterEach, before, describe, test } = require('node:test');

const rendezvous = require('../dist/main');
const { exited, firstMessage, fixture, killStragglers, stdoutOf, track } = require('./support/children');
const { openFdCount, pipeHolding, settledFdCount, waitFor } = require('./support/fds');
const { rawPeerPath } = require('./support/raw-peer');

if (process.platform !== 'linux') {
  test('untrusted input from raw peers', { skip: 'the raw peers speak the Linux transport' }, () => {});
} else {
  describe('untrusted input from raw peers', linuxSuite);
}

function linuxSuite() {
  const READ_TIMEOUT_MS = 300;
  let server;

  before(() => {
    rawPeerPath();
    server = rendezvous.RendezvousServer.instance({ requestReadTimeoutMs: READ_TIMEOUT_MS });
  });
  afterEach(killStragglers);
  after(() => server.stop());

  /** Runs the raw client in `mode` against our server, launched with `ports`. */
  async function rawClient(mode, ports = {}) {
    const launch = server.prepareLaunch(ports);
    const child = track(
      childProcess.spawn(rawPeerPath(), ['client', mode], {
        env: { ...process.env, ...launch.env, RAW_PEER_GO: 'stdin' },
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    // Bound before it connects: what it asks is answered, never held.
    launch.bind(child.pid);
    child.stdin.end();
    const { out, code } = await stdoutOf(child);
    assert.equal(code, 0, `raw client ${mode} failed`);
    return out.trim();
  }

  /** The raw client run with `args` and no launch of its own. */
  function unboundRawClient(args, stdin = 'ignore') {
    return track(
      childProcess.spawn(rawPeerPath(), ['client', ...args], {
        env: { ...process.env, ...server.childEnv },
        stdio: [stdin, 'pipe', 'inherit'],
      }),
    );
  }

  /** A well-behaved child gets its rights right after. */
  async function wellBehavedChildIsServed() {
    const child = track(
      rendezvous.fork(fixture('report-rights.js'), [], {
        ports: { 9: { fd: pipeHolding('still serving'), disposition: 'move' } },
      }),
    );
    const result = await firstMessage(child);
    assert.equal(result.rights[9]?.content, 'still serving');
    child.send('exit');
    await exited(child);
  }

  test('the raw client is a faithful peer: a valid request gets its rights', async () => {
    const fd = fs.openSync('/dev/null', 'r');
    assert.equal(await rawClient('valid', { 1: { fd, disposition: 'move' } }), 'ok 1');
  });

  for (const mode of ['garbage', 'short', 'oversized', 'empty', 'with-fds']) {
    test(`${mode} request: dropped, and the server keeps serving`, async () => {
      const baseline = await settledFdCount();
      const fd = fs.openSync('/dev/null', 'r');
      const out = await rawClient(mode, { 1: { fd, disposition: 'move' } });
      assert.match(out, /^closed 0 /, 'the connection was closed with no reply');
      // The malformed request claimed nothing; the registration goes when the
      // raw client's process is gone.
      await waitFor(() => server.stats().registrations === 0, 3000, 'registration release');
      await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
      await wellBehavedChildIsServed();
    });
  }

  test('a silent connection is closed after the read timeout, and others are served meanwhile', async () => {
    const silent = unboundRawClient(['silent']);
    const done = stdoutOf(silent);
    await wellBehavedChildIsServed();
    const { out } = await done;
    const [, , ms] = out.trim().split(' ');
    assert.ok(
      Number(ms) >= READ_TIMEOUT_MS - 20 && Number(ms) < READ_TIMEOUT_MS + 1000,
      `closed after ${ms} ms`,
    );
  });

  test('a request replayed on its connection is never answered twice', async () => {
    const baseline = await settledFdCount();
    const fd = fs.openSync('/dev/null', 'r');
    const out = await rawClient('replay', { 1: { fd, disposition: 'move' } });
    assert.equal(out, 'ok 1 then 0', 'one reply, then the hang-up');
    await waitFor(() => server.stats().registrations === 0, 3000, 'registration release');
    await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
  });

  test('a process asking for rights registered to another pid gets none, and they stay for their child', async () => {
    const sleeper = track(childProcess.spawn('sleep', ['30'], { stdio: 'ignore' }));
    const fd = fs.openSync('/dev/null', 'r');
    server.registerPortsForPid(sleeper.pid, { 1: { fd, disposition: 'move' } });
    // The request names no pid: the kernel's SO_PEERCRED says who asks,
    // and nothing is registered for the asker.
    const stranger = unboundRawClient(['valid']);
    assert.equal((await stdoutOf(stranger)).out.trim(), 'ok 0');
    assert.equal(server.stats().registrations, 1, "the sleeper's rights are still its own");
    sleeper.kill('SIGKILL');
    await exited(sleeper);
    await waitFor(() => server.stats().registrations === 0, 3000, 'registration release');
  });

  const openFilesLimit = Number(
    /^Max open files\s+\S+\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1],
  );
  const FLOOD_SKIP =
    !(openFilesLimit > 2100) && `the hard limit on open files (${openFilesLimit}) is under 2,100`;

  test(
    '2,000 idle connections from one process: children are still served, and every connection is closed',
    { skip: FLOOD_SKIP },
    async () => {
      const baseline = await settledFdCount();
      // Until its stdin closes, the flood opens a new connection for each
      // one the server closes: the server stays full the whole time.
      const flood = unboundRawClient(['flood', '2000'], 'pipe');
      const finished = stdoutOf(flood);
      await new Promise((resolve) => flood.stdout.once('data', resolve));
      await wellBehavedChildIsServed();
      flood.stdin.end();
      const { out } = await finished;
      const [opened, closed] = out.trim().split('\n');
      assert.equal(opened, 'open 2000 refused 0', 'every connect() went through');
      const [, reopened, closedCount] = /^reopened (\d+); closed (\d+) of 2000 in \d+$/.exec(closed) ?? [];
      assert.ok(Number(reopened) > 0, `the server closed connections while full (${closed})`);
      assert.equal(Number(closedCount), 2000, 'the server hung up on every one');
      await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
    },
  );

  test('a client that closes right after asking leaks nothing', async () => {
    const baseline = await settledFdCount();
    const fds = [0, 1, 2].map(() => fs.openSync('/dev/null', 'r'));
    const ports = Object.fromEntries(fds.map((fd, key) => [key, { fd, disposition: 'move' }]));
    assert.equal(await rawClient('close-after-request', ports), 'sent');
    await waitFor(() => server.stats().registrations === 0, 3000, 'registration release');
    await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
    await wellBehavedChildIsServed();
  });

  test('many idle connections at once do not stop the server', async () => {
    const idle = Array.from({ length: 40 }, () => unboundRawClient(['silent']));
    const finished = idle.map(stdoutOf);
    await wellBehavedChildIsServed();
    await Promise.all(finished);
  });

  const ROOT_ONLY = process.getuid() !== 0 && 'needs root: the test switches users and steers pid allocation';

  test(
    'another user cannot connect: its connection is closed and holds nothing',
    { skip: ROOT_ONLY },
    async () => {
      const launch = server.prepareLaunch({ 1: { fd: fs.openSync('/dev/null', 'r'), disposition: 'move' } });
      const stranger = track(
        childProcess.spawn(rawPeerPath(), ['client', 'valid'], {
          env: { ...process.env, ...launch.env },
          uid: 65534,
          gid: 65534,
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
      );
      launch.bind(stranger.pid);
      const { out } = await stdoutOf(stranger);
      assert.match(out.trim(), /^closed (0|-1) /, 'refused before it could ask');
      await waitFor(() => server.stats().registrations === 0, 3000, 'registration release');
      await wellBehavedChildIsServed();
    },
  );

  test(
    'a process whose pid is reused never receives the new holder’s rights',
    { skip: ROOT_ONLY },
    async (t) => {
      const NS_LAST_PID = '/proc/sys/kernel/ns_last_pid';
      try {
        fs.accessSync(NS_LAST_PID, fs.constants.W_OK);
      } catch {
        t.skip(`${NS_LAST_PID} is not writable here`);
        return;
      }
      // A connects, leaves the connection to its child B, and exits.
      const goFile = path.join(os.tmpdir(), `epr-go-${process.pid}-${Date.now()}`);
      t.after(() => fs.rmSync(goFile, { force: true }));
      const raw = unboundRawClient(['handoff', goFile]);
      const result = stdoutOf(raw);
      const [line] = await once(raw.stdout, 'data');
      const reusedPid = Number(String(line).trim());
      await exited(raw);
      // The next process the kernel makes gets A's pid: a child launched with
      // rights, slowed so that B asks first. Nothing else may start a process
      // in between, so the pipe is made first.
      const secret = pipeHolding('only for the real child');
      fs.writeFileSync(NS_LAST_PID, String(reusedPid - 1));
      const child = track(
        rendezvous.fork(fixture('report-rights.js'), [], {
          execArgv: ['--require', fixture('slow-start.js')],
          ports: { 1: { fd: secret, disposition: 'move' } },
        }),
      );
      if (child.pid !== reusedPid) {
        t.skip(`pid reuse could not be arranged (got ${child.pid}, wanted ${reusedPid})`);
        return;
      }
      fs.writeFileSync(goFile, ''); // B asks now, under A's pid
      const report = await firstMessage(child);
      const { out } = await result;
      const lastLine = out.trim().split('\n').pop(); // the first is A's pid
      // Dropped without a reply: an orderly hang-up (0), or a reset (-1) when
      // the server refused the connection at accept, A being gone already,
      // with B's request still unread in it.
      assert.match(lastLine, /^closed (0|-1) /, 'B was dropped without a reply');
      assert.equal(report.rights[1]?.content, 'only for the real child');
      child.send('exit');
      await exited(child);
    },
  );

  /** Runs a real Node child under the raw server, which answers it badly. */
  async function underHostileServer(scenario) {
    const child = track(
      childProcess.spawn(
        rawPeerPath(),
        [
          'server',
          scenario,
          process.execPath,
          '--require',
          rendezvous.PRELOAD_PATH,
          fixture('report-client-error.js'),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      ),
    );
    const { out, code } = await stdoutOf(child);
    assert.equal(code, 0, `hostile server ${scenario} failed`);
    return JSON.parse(out);
  }

  for (const [scenario, code] of [
    ['ctrunc', 'ERR_RENDEZVOUS_BAD_REPLY'],
    ['count-mismatch', 'ERR_RENDEZVOUS_BAD_REPLY'],
    ['bad-magic', 'ERR_RENDEZVOUS_BAD_REPLY'],
    ['bad-kind', 'ERR_RENDEZVOUS_BAD_REPLY'],
    ['port-kind', 'ERR_RENDEZVOUS_BAD_REPLY'],
    ['oversized', 'ERR_RENDEZVOUS_BAD_REPLY'],
    ['truncated', 'ERR_RENDEZVOUS_BAD_REPLY'],
    ['close', 'ERR_RENDEZVOUS_NO_REPLY'],
    ['no-reply', 'ERR_RENDEZVOUS_TIMEOUT'],
  ]) {
    test(`a client facing a ${scenario} reply fails with ${code} and keeps none of its fds`, async () => {
      const result = await underHostileServer(scenario);
      assert.deepEqual(result, { ok: false, code, leaked: 0 });
    });
  }
}
