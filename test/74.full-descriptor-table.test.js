'use strict';
// Descriptors that arrive when this process has no room for them: the
// kernel cuts the message short (MSG_CTRUNC) as it does for a peer that
// sent too many, and the error must say which it was.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const { after, afterEach, before, describe, test } = require('node:test');

const rendezvous = require('../dist/main');
const { Channel } = rendezvous;
const { channelTransfer } = require('../dist/lib/channel');
const { fixture, killStragglers, track } = require('./support/children');
const { makePipe } = require('./support/fds');

const { EMFILE } = os.constants.errno;

let server;
before(() => {
  server = rendezvous.RendezvousServer.instance();
});
afterEach(killStragglers);
after(() => server.stop());

/** full-table.js in `mode`, under a low RLIMIT_NOFILE so filling is quick. */
function fullTableChild(mode, options) {
  return track(
    childProcess.spawn(
      '/bin/sh',
      ['-c', 'ulimit -n 256 && exec "$0" "$@"', process.execPath, fixture('full-table.js'), mode],
      { stdio: ['ignore', 'pipe', 'inherit'], ...options },
    ),
  );
}

/** The JSON line a child prints last. */
async function lastLine(child) {
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => (out += chunk));
  await once(child, 'close');
  return JSON.parse(out.trim().split('\n').pop());
}

describe(
  'a full descriptor table',
  { skip: process.platform !== 'linux' && 'uses /bin/sh ulimit and Linux descriptor passing' },
  () => {
    test('a child with no room for its rights fails with ERR_RENDEZVOUS_SYSTEM, recvmsg, EMFILE', async () => {
      const { readFd, writeFd } = makePipe();
      const launch = server.prepareLaunch({
        1: { fd: readFd, disposition: 'move' },
        2: { fd: writeFd, disposition: 'move' },
      });
      const child = fullTableChild('rendezvous', { env: { ...process.env, ...launch.env } });
      launch.bind(child.pid);
      const result = await lastLine(child);
      assert.equal(result.code, 'ERR_RENDEZVOUS_SYSTEM', result.message);
      assert.equal(result.syscall, 'recvmsg');
      assert.equal(result.errno, EMFILE);
      assert.match(result.message, /descriptors could not be received/);
    });

    test(
      "a channel message whose descriptors find no room: 'error' ERR_RENDEZVOUS_SYSTEM, recvmsg, EMFILE",
      {
        // UBSan's vptr check probes memory through a pipe of its own; with
        // the table full it cannot, and reports every virtual call as one on
        // a bad object. npm test runs this without the sanitizers.
        skip:
          process.env.UBSAN_OPTIONS !== undefined &&
          "under test:asan, UBSan's vptr check needs a pipe that a full descriptor table cannot open",
      },
      async () => {
        const [mine, theirs] = Channel.pair();
        const fd = theirs[channelTransfer.lend]().release();
        const child = fullTableChild('channel', { stdio: ['ignore', 'pipe', 'inherit', fd] });
        fs.closeSync(fd);
        const result = lastLine(child);
        await once(child.stdout, 'data'); // 'full'
        const { readFd, writeFd } = makePipe();
        mine.postMessage('two descriptors', [
          { fd: readFd, disposition: 'move' },
          { fd: writeFd, disposition: 'move' },
        ]);
        const { code, syscall, errno, message } = await result;
        assert.equal(code, 'ERR_RENDEZVOUS_SYSTEM', message);
        assert.equal(syscall, 'recvmsg');
        assert.equal(errno, EMFILE);
        mine.close();
      },
    );
  },
);
