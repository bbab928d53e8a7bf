'use strict';
// Mach port rights, on macOS: each disposition arrives as the right it names
// and works in the child; unclaimed rights the server owns are destroyed; a
// right that died on the way arrives dead; a request dropped unanswered says
// so; rights go to the process they were bound to. The rest of the suite
// proves the shared behaviour with file descriptors, which both backends
// carry (on macOS as fileports).
//
// The backend's Mach-free rules are checked on every platform first, through
// a probe built from the very headers the backend compiles.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const { after, afterEach, before, describe, test } = require('node:test');

const { askRules } = require('./support/mach');

// RightKind (addon/core/right.h) and the Mach numbers the rules speak of.
const KIND = { fd: 0, send: 1, receive: 2, sendOnce: 3, sharedMemory: 4, channel: 5 };
const DEAD = 0xffffffff;
const PORT_DESCRIPTOR = 0;
const ARRIVES = { receive: 16, send: 17, sendOnce: 18 };
const SEND_ONCE_NOTIFICATION = 0x47;
const HEADER_SIZE = 24;

/** Asks the probe one question per row; each row is [question, answer]. */
function assertRules(rows) {
  assert.deepEqual(
    askRules(rows.map(([question]) => question)).map((answer, i) => [rows[i][0], answer]),
    rows,
  );
}

const NO_CXX =
  process.platform === 'win32' && 'the rules probe is built with the system c++, which Windows has not';
describe('macOS reply rules (Mach-free, checked on every platform)', { skip: NO_CXX }, () => {
  test('a send or send-once right that died on the way is accepted; a dead fileport or receive right is not', () => {
    assertRules([
      [`name ${KIND.send} ${DEAD}`, 'accepted'],
      [`name ${KIND.sendOnce} ${DEAD}`, 'accepted'],
      [`name ${KIND.sharedMemory} ${DEAD}`, 'accepted'],
      [`name ${KIND.fd} ${DEAD}`, 'refused'],
      [`name ${KIND.receive} ${DEAD}`, 'refused'],
      [`name ${KIND.channel} ${DEAD}`, 'refused'],
      [`name ${KIND.send} 0`, 'refused'],
      [`name ${KIND.sendOnce} 0`, 'refused'],
      [`name ${KIND.receive} ${0x1103}`, 'accepted'],
      [`name ${KIND.fd} ${0x1103}`, 'accepted'],
    ]);
  });

  test('a reply descriptor must be a port descriptor carrying the right its entry names', () => {
    assertRules([
      [`descriptor ${KIND.send} ${PORT_DESCRIPTOR} ${DEAD} ${ARRIVES.send}`, 'ok'],
      [`descriptor ${KIND.sendOnce} ${PORT_DESCRIPTOR} ${DEAD} ${ARRIVES.sendOnce}`, 'ok'],
      [`descriptor ${KIND.fd} ${PORT_DESCRIPTOR} ${0x1103} ${ARRIVES.send}`, 'ok'],
      [`descriptor ${KIND.channel} ${PORT_DESCRIPTOR} ${0x1103} ${ARRIVES.receive}`, 'ok'],
      [`descriptor ${KIND.fd} ${PORT_DESCRIPTOR} ${DEAD} ${ARRIVES.send}`, 'has no right under its name'],
      [
        `descriptor ${KIND.receive} ${PORT_DESCRIPTOR} ${DEAD} ${ARRIVES.receive}`,
        'has no right under its name',
      ],
      [`descriptor ${KIND.send} ${PORT_DESCRIPTOR} 0 ${ARRIVES.send}`, 'has no right under its name'],
      [`descriptor ${KIND.send} 1 ${0x1103} ${ARRIVES.send}`, 'is not a port descriptor'],
      [
        `descriptor ${KIND.send} ${PORT_DESCRIPTOR} ${DEAD} ${ARRIVES.sendOnce}`,
        'is not the right its entry names',
      ],
      [
        `descriptor ${KIND.receive} ${PORT_DESCRIPTOR} ${0x1103} ${ARRIVES.send}`,
        'is not the right its entry names',
      ],
    ]);
  });

  test('the kernel’s notice of a reply right destroyed unanswered is told from any reply', () => {
    assertRules([
      [`notice ${SEND_ONCE_NOTIFICATION} ${HEADER_SIZE} 0 0`, 'notice'],
      // The same id from a process (no process has pid 0), with a body, or complex.
      [`notice ${SEND_ONCE_NOTIFICATION} ${HEADER_SIZE} 0 4242`, 'other'],
      [`notice ${SEND_ONCE_NOTIFICATION} ${HEADER_SIZE + 4} 0 0`, 'other'],
      [`notice ${SEND_ONCE_NOTIFICATION} ${HEADER_SIZE} 1 0`, 'other'],
      [`notice ${0x45505272} ${HEADER_SIZE} 0 0`, 'other'],
    ]);
  });

  test('rights go to the process they were bound to, not to a later one that has its pid', () => {
    // match BOUND_UNIQUE_ID NOW_UNIQUE_ID NOW_PID_VERSION ASKER_PID_VERSION
    assertRules([
      ['match 500 500 7 7', 'bound'],
      // The bound process exec'd before asking: a new pid version, the same process.
      ['match 500 500 9 9', 'bound'],
      // Its pid now belongs to another process, which asks.
      ['match 500 501 8 8', 'stranger'],
      // The asker is gone; the pid is free, or names a process that did not ask.
      ['match 500 - 0 7', 'stranger'],
      ['match 500 500 8 7', 'stranger'],
      // A kernel that reports no pid version (macOS 10.15): the unique id decides.
      ['match 500 500 0 7', 'bound'],
      ['match 500 501 0 7', 'stranger'],
      // Nothing could be read at bind: the pid alone decides.
      ['match - 501 8 8', 'bound'],
      ['match - - 0 8', 'bound'],
    ]);
  });

  test('a descriptor a channel frame brought is handed out opened, or as its fileport, never dropped', () => {
    // Every right goes to the receiver, which releases what it does not keep
    // on its release thread: a fileport's last send right closes the file.
    assertRules([
      [`handout ${KIND.fd} 1`, `${KIND.fd}`],
      [`handout ${KIND.fd} 0`, `${KIND.send}`],
      [`handout ${KIND.send} 0`, `${KIND.send}`],
      [`handout ${KIND.sendOnce} 0`, `${KIND.sendOnce}`],
      [`handout ${KIND.receive} 0`, `${KIND.receive}`],
      [`handout ${KIND.sharedMemory} 0`, `${KIND.sharedMemory}`],
      [`handout ${KIND.channel} 0`, `${KIND.channel}`],
    ]);
  });

  test('a failed send is classed by what the kernel did to the message, and whether it may go through later', () => {
    // send KR CAME_BACK: the classes of addon/mac/send_failure.h, from XNU's
    // send path (mach_msg_trap_send, ipc_kmsg_copyin_*, ipc_mqueue_send_locked).
    assertRules([
      // Refused before a right was taken.
      ['send 10000008 0', 'nothing final'], // MACH_SEND_MSG_TOO_SMALL
      ['send 1000000e 0', 'nothing final'], // MACH_SEND_TOO_LARGE
      ['send 1000000d 0', 'nothing transient'], // MACH_SEND_NO_BUFFER (no kernel message)
      ['send 10000002 0', 'nothing final'], // MACH_SEND_INVALID_DATA
      ['send 1000000f 0', 'nothing final'], // MACH_SEND_INVALID_TYPE
      ['send 10000010 0', 'nothing final'], // MACH_SEND_INVALID_HEADER
      ['send 10000003 0', 'nothing final'], // MACH_SEND_INVALID_DEST
      ['send 10000009 0', 'nothing final'], // MACH_SEND_INVALID_REPLY
      ['send 10000005 0', 'nothing final'], // MACH_SEND_INVALID_VOUCHER
      ['send 10000012 0', 'nothing final'], // MACH_SEND_INVALID_CONTEXT
      // The destination refused after the header was taken.
      ['send 10000016 0', 'header final'], // MACH_SEND_NO_GRANT_DEST
      ['send 10000017 0', 'header final'], // MACH_SEND_MSG_FILTERED
      // Part-way through the body, or not known: nothing is released again.
      ['send 1000000a 0', 'partly final'], // MACH_SEND_INVALID_RIGHT
      ['send 1000000c 0', 'partly final'], // MACH_SEND_INVALID_MEMORY
      ['send 400 0', 'partly transient'], // MACH_MSG_VM_KERNEL alone
      ['send 10000013 0', 'partly final'], // MACH_SEND_INVALID_OPTIONS
      ['send 10000099 0', 'partly final'],
      // Queueing failed: the message came back.
      ['send 10000004 0', 'returned transient'], // MACH_SEND_TIMED_OUT
      ['send 10000007 0', 'returned transient'], // MACH_SEND_INTERRUPTED
      // ... with a right that found no room in the name space (MACH_MSG_IPC_SPACE).
      ['send 10002004 0', 'returned transient'],
      // A rewritten header says it came back, whatever the code.
      ['send 1000000d 1', 'returned transient'],
      ['send 1000000a 1', 'returned final'],
    ]);
  });

  test('only a direct child of this process has its request held; any other asker is answered at once', () => {
    // child OWN_UNIQUE_ID ASKER_PARENT_UNIQUE_ID ASKER_NOW_PID_VERSION ASKER_PID_VERSION
    assertRules([
      ['child 100 100 7 7', 'child'],
      // Another process's child, or a grandchild: never a launch's child.
      ['child 100 101 7 7', 'other'],
      // The pid now names another process than the one that asked.
      ['child 100 100 8 7', 'other'],
      // The asker is gone.
      ['child 100 - 0 7', 'other'],
      // No pid version reported (macOS 10.15): the parent decides.
      ['child 100 100 0 7', 'child'],
      // This process's own id could not be read: held, as before.
      ['child - 101 7 7', 'child'],
    ]);
  });
});

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

  /** A Node child that asks with the preload and reports (report-mach-outcome.js), run by `wrapper` if given. */
  function spawnReporter(wrapper = []) {
    const [command, ...args] = [
      ...wrapper,
      process.execPath,
      '--require',
      rendezvous.PRELOAD_PATH,
      children.fixture('report-mach-outcome.js'),
    ];
    return children.track(
      childProcess.spawn(command, args, {
        env: { ...process.env, ...server.childEnv },
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
  }

  /** The report a reporter printed last. */
  async function reportOf(child) {
    const { out } = await children.stdoutOf(child);
    return JSON.parse(out.trimEnd().split('\n').pop());
  }

  test('a send or send-once right whose port died after registration arrives dead; the rest of the reply arrives', async () => {
    const { pipeHolding } = require('./support/fds');
    const gone = helper.newReceiveRight();
    helper.makeSendRight(gone);
    const goneOnce = helper.makeSendOnceRight(gone);
    const alive = helper.newReceiveRight();
    // Pending, so the child's request is held until the binding.
    const launch = server.prepareLaunch({
      1: { port: gone, disposition: 'move-send' },
      2: { fd: pipeHolding('beside the dead rights'), disposition: 'move' },
      3: { port: goneOnce, disposition: 'move-send-once' },
      4: { port: alive, disposition: 'make-send' },
    });
    helper.release(gone, 'receive'); // the port dies: both registered rights are dead names now
    const child = spawnReporter();
    launch.bind(child.pid);
    const report = await reportOf(child);
    assert.equal(report.code, null, 'the reply was not refused');
    assert.deepEqual(report.fds, { 2: 'beside the dead rights' });
    assert.deepEqual(report.sends[1], { dead: true, name: 0xffffffff, sendOnce: false });
    assert.deepEqual(report.sends[3], { dead: true, name: 0xffffffff, sendOnce: true });
    assert.equal(report.sends[4].dead, false, 'a live right beside them is not dead');
    // Their names may be reused since, but hold no dead-name reference.
    assert.ok(helper.rightRefs(gone, 'dead-name') <= 0, 'the moved dead names left this task');
    assert.ok(helper.rightRefs(goneOnce, 'dead-name') <= 0);
    helper.release(alive, 'receive');
  });

  test('a request the server drops unanswered fails with ERR_RENDEZVOUS_NO_REPLY', async () => {
    // A launch left pending holds the child's request; stopping the server
    // destroys its reply right unanswered.
    server.prepareLaunch({});
    const child = spawnReporter();
    await new Promise((resolve) => child.stdout.once('data', resolve)); // about to ask
    // The request is one mach_msg after that line; give it ample time to be held.
    await new Promise((resolve) => setTimeout(resolve, 500));
    server.stop();
    server = rendezvous.RendezvousServer.instance();
    assert.deepEqual(await reportOf(child), {
      ok: false,
      code: 'ERR_RENDEZVOUS_NO_REPLY',
      sends: {},
      fds: {},
    });
  });

  test('a child that execs after its rights were bound still gets them: it is the same process', async () => {
    const { pipeHolding } = require('./support/fds');
    // The shell waits for a line, then execs the reporter under its own pid,
    // which changes the pid version of its audit token.
    const child = spawnReporter(['/bin/sh', '-c', 'read go; exec "$@"', 'sh']);
    server.registerPortsForPid(child.pid, { 1: { fd: pipeHolding('across the exec'), disposition: 'move' } });
    child.stdin.end('go\n');
    assert.deepEqual(await reportOf(child), {
      ok: true,
      code: null,
      sends: {},
      fds: { 1: 'across the exec' },
    });
  });
}
