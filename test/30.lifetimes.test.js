'use strict';
// Rights that are never claimed are released; the server never outlives its
// process or keeps it alive.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { afterEach, test } = require('node:test');
const { Worker } = require('node:worker_threads');

const rendezvous = require('../dist/main');
const {
  exited,
  exitingChild,
  firstMessage,
  fixture,
  killStragglers,
  sleepingChild,
  stdoutOf,
  track,
} = require('./support/children');
const {
  NEEDS_PROC,
  fdsOpenedSince,
  openFds,
  targetsInheritedByGrandchild,
} = require('./support/close-on-exec');
const { makePipe, openFdCount, waitFor } = require('./support/fds');
const { ENDPOINT_PATTERN, threadCount } = require('./support/platform');
const { native } = require('../dist/lib/native');

afterEach(killStragglers);

const ROOT = path.join(__dirname, '..');

/** Three pipes' worth of moved descriptors. */
function someRights() {
  const ports = {};
  const keep = [];
  for (let key = 1; key <= 3; key++) {
    const { readFd, writeFd } = makePipe();
    ports[key] = { fd: writeFd, disposition: 'move' };
    keep.push(readFd);
  }
  return { ports, keep };
}

test('a child that exits before claiming: the parent’s fd count returns to its baseline', async () => {
  const server = rendezvous.RendezvousServer.instance();
  try {
    for (const signal of ['exit', 'SIGKILL']) {
      const baseline = openFdCount();
      const child = track(
        childProcess.spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' }),
      );
      const { ports, keep } = someRights();
      server.registerPortsForPid(child.pid, ports);
      assert.equal(server.stats().registrations, 1);
      if (signal === 'exit') child.kill('SIGTERM');
      else child.kill('SIGKILL');
      await exited(child);
      await waitFor(() => server.stats().registrations === 0, 3000, 'the registration to be released');
      for (const fd of keep) fs.closeSync(fd);
      await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
    }
  } finally {
    server.stop();
  }
});

test('binding a launch to a child already dead releases its rights at once', () => {
  const server = rendezvous.RendezvousServer.instance();
  try {
    const baseline = openFdCount();
    const { ports, keep } = someRights();
    const launch = server.prepareLaunch(ports);
    const child = track(exitingChild());
    // The event loop is blocked, so Node cannot reap the child: it is a
    // zombie whose exit was already reported before the binding existed
    // (on Windows, a process whose handle libuv still holds; Node itself
    // takes a while to start and end there).
    const until = Date.now() + (process.platform === 'win32' ? 5000 : 300);
    while (Date.now() < until) {
      // wait for the child to exit
    }
    launch.bind(child.pid);
    assert.deepEqual(server.stats(), { registrations: 0, pendingLaunches: 0, heldRequests: 0 });
    for (const fd of keep) fs.closeSync(fd);
    assert.equal(openFdCount(), baseline);
  } finally {
    server.stop();
  }
});

test('a failed spawn releases the rights it was given', async () => {
  const server = rendezvous.RendezvousServer.instance();
  try {
    const baseline = openFdCount();
    const { ports, keep } = someRights();
    const child = track(
      rendezvous.fork(fixture('report-rights.js'), [], { ports, execPath: '/nonexistent/node' }),
    );
    const [error] = await new Promise((resolve) => child.once('error', (...args) => resolve(args)));
    assert.equal(error.code, 'ENOENT');
    assert.deepEqual(server.stats(), { registrations: 0, pendingLaunches: 0, heldRequests: 0 });
    for (const fd of keep) fs.closeSync(fd);
    await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
  } finally {
    server.stop();
  }
});

test('stopping the server releases everything it holds', async () => {
  const baseline = openFdCount();
  const server = rendezvous.RendezvousServer.instance();
  const sleeper = track(sleepingChild(30));
  const { ports, keep } = someRights();
  server.registerPortsForPid(sleeper.pid, ports);
  const pending = someRights();
  const launch = server.prepareLaunch(pending.ports);
  assert.deepEqual(server.stats(), { registrations: 1, pendingLaunches: 1, heldRequests: 0 });
  server.stop();
  assert.throws(() => launch.bind(sleeper.pid), { code: 'ERR_RENDEZVOUS_SERVER_STOPPED' });
  assert.throws(() => server.registerPortsForPid(sleeper.pid, {}), { code: 'ERR_RENDEZVOUS_SERVER_STOPPED' });
  sleeper.kill('SIGKILL');
  await exited(sleeper);
  for (const fd of [...keep, ...pending.keep]) fs.closeSync(fd);
  assert.equal(openFdCount(), baseline);
  const again = rendezvous.RendezvousServer.instance();
  assert.notEqual(again.endpoint, server.endpoint, 'a new server at a new endpoint');
  again.stop();
});

async function exitTime(script) {
  const started = Date.now();
  const child = track(
    childProcess.spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  const { out, code } = await stdoutOf(child);
  return { ms: Date.now() - started, out, code };
}

// The same process twice, once without the server: a running server must
// not hold the process open, so exiting with it may cost only a little more
// than exiting without it. Measured against that baseline in the same run,
// as a slow or instrumented machine is slow at both.
const holding = (withServer) => `
  const { RendezvousServer } = require('./dist/main');
  const { sleepingChild } = require(${JSON.stringify(path.join(__dirname, 'support', 'children'))});
  const sleeper = sleepingChild(30, { stdio: 'ignore', detached: true });
  sleeper.unref();
  if (${withServer}) {
    const server = RendezvousServer.instance();
    server.registerPortsForPid(sleeper.pid, { 1: { fd: require('fs').openSync(require('os').devNull, 'r'), disposition: 'move' } });
    server.prepareLaunch({});
  }
  process.stdout.write(String(sleeper.pid));
`;

test('a process with a running server exits promptly, at its end or by process.exit()', async () => {
  for (const ending of ['', 'process.exit(0);']) {
    const without = await exitTime(holding(false) + ending);
    process.kill(Number(without.out), 'SIGKILL');
    const { ms, out, code } = await exitTime(holding(true) + ending);
    process.kill(Number(out), 'SIGKILL');
    assert.equal(code, 0);
    // A server that held the process open would keep it for the sleeper's
    // 30 s or for ever. The margin is wide for the sanitizer build, whose
    // leak scan at exit grows with every thread and mapping the server has.
    assert.ok(ms < without.ms + 5000, `exited in ${ms} ms; ${without.ms} ms without a server`);
  }
});

test('a worker that ran a server leaves no thread, socket or fd behind when it ends', async () => {
  const baseline = openFdCount();
  const threadBaseline = threadCount();
  const worker = new Worker(
    `
    const { parentPort } = require('worker_threads');
    const { RendezvousServer } = require(${JSON.stringify(path.join(ROOT, 'dist/main'))});
    const server = RendezvousServer.instance();
    server.prepareLaunch({ 1: { fd: require('fs').openSync(require('os').devNull, 'r'), disposition: 'move' } });
    parentPort.postMessage(server.endpoint);
    `,
    { eval: true },
  );
  const endpoint = await new Promise((resolve) => worker.once('message', resolve));
  assert.match(endpoint, ENDPOINT_PATTERN);
  await worker.terminate();
  await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
  await waitFor(() => threadCount() === threadBaseline, 3000, 'the server thread to end');
  assert.throws(
    () => native().performRendezvous(endpoint, process.pid, 1000, false),
    (error) => {
      assert.notEqual(error.code, 'ERR_RENDEZVOUS_NOT_PARENT', 'nothing answers at the endpoint any more');
      return /^ERR_RENDEZVOUS_/.test(error.code);
    },
  );
});

test(
  'every descriptor a server holds is close-on-exec, and a process launched meanwhile inherits none',
  { skip: NEEDS_PROC },
  async () => {
    const before = openFds();
    const server = rendezvous.RendezvousServer.instance();
    try {
      const sleeper = track(childProcess.spawn('sleep', ['30'], { stdio: 'ignore' }));
      server.registerPortsForPid(sleeper.pid, {}); // an exit watch
      const launch = server.prepareLaunch({});
      const asker = track(
        childProcess.fork(fixture('ask-when-told.js'), [], {
          env: { ...process.env, ...launch.env },
          execArgv: [],
        }),
      );
      await firstMessage(asker);
      const beforeAsking = openFds();
      const result = firstMessage(asker);
      asker.send('ask');
      // The server's side of the held request.
      await waitFor(
        () => fdsOpenedSince(beforeAsking).some(({ target }) => target.startsWith('socket:')),
        5000,
        'the server to accept the request',
      );
      const opened = fdsOpenedSince(before);
      const kinds = new Set(opened.map(({ target }) => target.replace(/\d+/g, '')));
      for (const kind of [
        'socket:[]',
        'anon_inode:[eventpoll]',
        'anon_inode:[eventfd]',
        'anon_inode:[pidfd]',
      ]) {
        assert.ok(kinds.has(kind), `the server holds a ${kind} (${[...kinds]})`);
      }
      for (const { fd, target, closeOnExec } of opened) {
        assert.equal(closeOnExec, true, `fd ${fd} (${target}) is close-on-exec`);
      }
      const inherited = await targetsInheritedByGrandchild();
      for (const { target } of opened)
        assert.ok(!inherited.includes(target), `a launched process inherited ${target}`);
      launch.bind(asker.pid);
      assert.deepEqual(await result, { ok: true });
      await exited(asker);
    } finally {
      server.stop();
    }
  },
);
