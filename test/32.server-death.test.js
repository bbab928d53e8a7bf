'use strict';
// A server whose thread dies says so: stats() reports why, every call that
// needs the server throws ERR_RENDEZVOUS_SERVER_DIED, and children fail at
// once instead of waiting out their timeout.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const { afterEach, test } = require('node:test');

const rendezvous = require('../dist/main');
const { fixture, killStragglers, stdoutOf, track } = require('./support/children');
const { makePipe, waitFor } = require('./support/fds');

afterEach(killStragglers);

const LINUX_ONLY = process.platform === 'linux' ? false : 'the server thread and its epoll set are Linux’s';

/** This process's epoll descriptors, as /proc lists them. */
function epollFds() {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[eventpoll]';
    } catch {
      return false;
    }
  });
}

/** Runs the client fixture against `env`; resolves with what it reports and how long it took. */
async function askWith(env) {
  const started = Date.now();
  const child = track(
    childProcess.spawn(process.execPath, [fixture('report-client-error.js')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const { out } = await stdoutOf(child);
  return { ...JSON.parse(out), ms: Date.now() - started };
}

const DIED = (error) =>
  error.code === 'ERR_RENDEZVOUS_SERVER_DIED' &&
  error.syscall === 'epoll_wait' &&
  [os.constants.errno.EBADF, os.constants.errno.EINVAL].includes(error.errno);

test(
  'a server whose epoll set is closed behind its back reports it, and children fail fast',
  { skip: LINUX_ONLY },
  async () => {
    const before = new Set(epollFds());
    // Long enough that a child left waiting would outlast the test's bound.
    const server = rendezvous.RendezvousServer.instance({ pendingRequestTimeoutMs: 20000 });
    try {
      const ours = epollFds().filter((fd) => !before.has(fd));
      assert.equal(ours.length, 1, 'the server made one epoll set');
      assert.equal(server.stats().failure, undefined, 'a serving server reports no failure');
      const env = server.childEnv;
      // A stray close elsewhere in the process: the server's next epoll_wait
      // fails for real (EBADF, or EINVAL once the number is reused).
      fs.closeSync(Number(ours[0]));
      // The first child's connection wakes the server, which then dies.
      const first = await askWith(env);
      assert.equal(first.ok, false, 'the first child got nothing');
      await waitFor(() => server.stats().failure !== undefined, 5000, 'the server to report its failure');
      const { failure, ...counts } = server.stats();
      assert.ok(
        DIED(failure),
        `stats().failure is ${failure?.code} (${failure?.syscall}, ${failure?.errno})`,
      );
      assert.deepEqual(counts, { registrations: 0, pendingLaunches: 0, heldRequests: 0 });

      const { readFd, writeFd } = makePipe();
      try {
        assert.throws(() => server.prepareLaunch({ 1: { fd: writeFd, disposition: 'copy' } }), DIED);
        assert.throws(
          () => server.registerPortsForPid(process.pid, { 1: { fd: writeFd, disposition: 'copy' } }),
          DIED,
        );
        assert.throws(() => rendezvous.fork(fixture('report-client-error.js'), { stdio: 'ignore' }), DIED);
        assert.equal(server.stats().registrations + server.stats().pendingLaunches, 0, 'nothing was taken');
      } finally {
        fs.closeSync(readFd);
        fs.closeSync(writeFd);
      }

      // Nobody listens any more: a child is told so at once.
      const second = await askWith(env);
      assert.equal(second.code, 'ERR_RENDEZVOUS_NO_SERVER');
      assert.ok(second.ms < 10000, `the second child waited ${second.ms} ms`);
    } finally {
      server.stop();
    }
    // A new server serves again.
    const again = rendezvous.RendezvousServer.instance();
    try {
      assert.equal(again.stats().failure, undefined);
      const { code } = await askWith(again.childEnv);
      assert.equal(code, null, 'the new server answered');
    } finally {
      again.stop();
    }
  },
);
