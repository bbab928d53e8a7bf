'use strict';
// Mach port rights, on macOS: each disposition arrives as the right it names
// and works in the child; unclaimed rights the server owns are destroyed.
// The rest of the suite proves the shared behaviour with file descriptors,
// which both backends carry (on macOS as fileports).
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const { after, afterEach, before, describe, test } = require('node:test');

if (process.platform !== 'darwin') {
  test('Mach port rights', { skip: 'Mach port rights exist only on macOS' }, () => {});
} else {
  describe('Mach port rights', macOnlySuite);
}

function macOnlySuite() {
  let rendezvous;
  let server;
  let helper;
  let children;

  before(() => {
    rendezvous = require('../dist/main');
    children = require('./support/children');
    helper = require('./support/mach').machHelper();
    server = rendezvous.RendezvousServer.instance();
  });
  afterEach(() => children.killStragglers());
  after(() => server.stop());

  test('each disposition arrives as its right and works in the child', async () => {
    const { firstMessage, fixture, exited, track } = children;
    const { machHelperPath } = require('./support/mach');
    const inbox = helper.newReceiveRight(); // the child answers here
    helper.makeSendRight(inbox);
    const moved = helper.newReceiveRight(); // handed over with a message queued
    helper.makeSendRight(moved);
    helper.sendText(moved, 'queued before launch');
    helper.release(moved, 'send');
    const once = helper.makeSendOnceRight(inbox);
    const child = track(
      rendezvous.fork(fixture('use-mach-rights.js'), [machHelperPath()], {
        ports: {
          1: { port: moved, disposition: 'move-receive' },
          2: { port: inbox, disposition: 'make-send' },
          3: { port: inbox, disposition: 'copy-send' },
          4: { port: once, disposition: 'move-send-once' },
        },
      }),
    );
    const report = await firstMessage(child);
    assert.deepEqual(report, {
      wrongKind: 'ERR_RENDEZVOUS_WRONG_KIND',
      queued: 'queued before launch',
      sendOnce: true,
      left: 0,
    });
    const answers = [0, 1, 2].map(() => helper.receiveText(inbox, 2000)).sort();
    assert.deepEqual(answers, [
      `copied send from ${child.pid}`,
      `made send from ${child.pid}`,
      `send-once from ${child.pid}`,
    ]);
    assert.equal(helper.rightRefs(moved, 'receive'), -1, 'the moved receive right left this task');
    assert.equal(helper.rightRefs(inbox, 'send'), 1, 'copy-send left the parent its own send right');
    await exited(child);
    helper.release(inbox, 'send');
    helper.release(inbox, 'receive');
  });

  test('a child that exits before claiming: moved rights are destroyed, copied ones kept', async () => {
    const port = helper.newReceiveRight();
    helper.makeSendRight(port);
    helper.makeSendRight(port); // two references: one moved, one kept
    const receive = helper.newReceiveRight();
    const sleeper = children.track(childProcess.spawn('sleep', ['30'], { stdio: 'ignore' }));
    server.registerPortsForPid(sleeper.pid, {
      1: { port, disposition: 'move-send' },
      2: { port, disposition: 'copy-send' },
      3: { port: receive, disposition: 'move-receive' },
    });
    sleeper.kill('SIGKILL');
    await children.exited(sleeper);
    const { waitFor } = require('./support/fds');
    await waitFor(() => server.stats().registrations === 0, 3000, 'the registration to be released');
    assert.equal(helper.rightRefs(port, 'send'), 1, 'the moved reference is gone, the caller’s stays');
    assert.equal(helper.rightRefs(receive, 'receive'), -1, 'the moved receive right was destroyed');
    helper.release(port, 'send');
    helper.release(port, 'receive');
  });

  test('a name without the right a disposition needs is refused, and nothing is taken', () => {
    const port = helper.newReceiveRight();
    for (const disposition of ['move-send', 'copy-send', 'move-send-once']) {
      assert.throws(() => server.registerPortsForPid(process.pid, { 1: { port, disposition } }), {
        name: 'TypeError',
        code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
      });
    }
    assert.throws(
      () => server.registerPortsForPid(process.pid, { 1: { port: 0x7ffffff0, disposition: 'move-receive' } }),
      {
        code: 'ERR_RENDEZVOUS_INVALID_RIGHT',
        syscall: 'mach_port_type',
      },
    );
    assert.equal(helper.rightRefs(port, 'receive'), 1);
    helper.release(port, 'receive');
  });
}
