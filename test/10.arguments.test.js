'use strict';
// Bad registrations fail with the documented errors, and leave every handle
// with its caller.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');

const { RendezvousServer } = require('../dist/main');
const { native } = require('../dist/lib/native');
const { NEEDS_PROC, expectHandOverCloseOnExec } = require('./support/close-on-exec');
const { exitedChildPid, sleepingChild } = require('./support/children');
const { fdIsOpen, makePipe, openFdCount, waitFor } = require('./support/fds');
const { ABSENT_ENDPOINT, CLOSED_FD_CALL } = require('./support/platform');

const ROOT = path.join(__dirname, '..');

let server;
let sleeper;

before(() => {
  server = RendezvousServer.instance();
  sleeper = sleepingChild(30);
});

after(() => {
  sleeper.kill('SIGKILL');
  server.stop();
});

function devNull() {
  return fs.openSync(os.devNull, 'r');
}

/** Kills `child` and waits until the server has released its registration,
 * so the next test counts from a settled table. */
async function releasedOnExit(child, registrations) {
  child.kill('SIGKILL');
  await waitFor(
    () => server.stats().registrations === registrations,
    3000,
    'the registration to be released',
  );
}

function expectError(fn, errorClass, code) {
  assert.throws(fn, (error) => {
    assert.equal(error.constructor, errorClass, `${error.constructor.name}: ${error.message}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describe('registering rights', () => {
  test('registering the same pid twice while unclaimed fails and keeps the second fd with its caller', async () => {
    const registered = server.stats().registrations;
    const twice = sleepingChild(30);
    try {
      server.registerPortsForPid(twice.pid, { 1: { fd: devNull(), disposition: 'move' } });
      const second = devNull();
      expectError(
        () => server.registerPortsForPid(twice.pid, { 1: { fd: second, disposition: 'move' } }),
        Error,
        'ERR_RENDEZVOUS_ALREADY_REGISTERED',
      );
      assert.ok(fdIsOpen(second), 'the refused fd is still the caller’s');
      fs.closeSync(second);
      assert.equal(server.stats().registrations, registered + 1, 'only the first registration stands');
    } finally {
      await releasedOnExit(twice, registered);
    }
  });

  test('65 rights are refused, 64 are accepted', async () => {
    const fd = devNull();
    const ports = (count) =>
      Object.fromEntries(Array.from({ length: count }, (_, key) => [key, { fd, disposition: 'copy' }]));
    const other = sleepingChild(30);
    const registered = server.stats().registrations;
    try {
      expectError(
        () => server.registerPortsForPid(other.pid, ports(65)),
        RangeError,
        'ERR_RENDEZVOUS_TOO_MANY_RIGHTS',
      );
      server.registerPortsForPid(other.pid, ports(64));
    } finally {
      fs.closeSync(fd);
      await releasedOnExit(other, registered);
    }
  });

  test('bad keys are refused', () => {
    const fd = devNull();
    const right = { fd, disposition: 'copy' };
    try {
      for (const key of ['-1', '1.5', String(2 ** 32)]) {
        expectError(
          () => server.registerPortsForPid(sleeper.pid, { [key]: right }),
          RangeError,
          'ERR_RENDEZVOUS_INVALID_KEY',
        );
      }
      for (const key of ['abc', '01', '']) {
        expectError(
          () => server.registerPortsForPid(sleeper.pid, { [key]: right }),
          TypeError,
          'ERR_RENDEZVOUS_INVALID_KEY',
        );
      }
      for (const key of [-1, 1.5, 2 ** 32, NaN]) {
        expectError(
          () => server.registerPortsForPid(sleeper.pid, new Map([[key, right]])),
          RangeError,
          'ERR_RENDEZVOUS_INVALID_KEY',
        );
      }
      expectError(
        () => server.registerPortsForPid(sleeper.pid, new Map([['7', right]])),
        TypeError,
        'ERR_RENDEZVOUS_INVALID_KEY',
      );
    } finally {
      fs.closeSync(fd);
    }
  });

  test('a closed fd is refused with the failing call and errno, and nothing else is taken', () => {
    const { readFd, writeFd } = makePipe();
    const kept = devNull();
    const other = sleepingChild(30);
    const registered = server.stats().registrations;
    fs.closeSync(writeFd);
    try {
      assert.throws(
        () =>
          server.registerPortsForPid(other.pid, {
            1: { fd: kept, disposition: 'move' },
            2: { fd: writeFd, disposition: 'copy' },
          }),
        (error) => {
          assert.equal(error.constructor, TypeError);
          assert.equal(error.code, 'ERR_RENDEZVOUS_INVALID_RIGHT');
          assert.equal(error.syscall, CLOSED_FD_CALL);
          assert.equal(error.errno, 9); // EBADF
          return true;
        },
      );
      assert.ok(fdIsOpen(kept), 'a moved fd of a refused registration stays with its caller');
      assert.equal(server.stats().registrations, registered, 'nothing was registered');
    } finally {
      other.kill('SIGKILL');
      fs.closeSync(kept);
      fs.closeSync(readFd);
    }
  });

  test('prepareLaunch refuses a closed fd as registerPortsForPid does, even one a copy would be numbered', () => {
    // prepareLaunch's copies are their own check (the dup's EBADF): each
    // must land where no named descriptor is, or a later right naming the
    // closed number would find the copy.
    // Windows: only the host runtime's descriptors can be counted (the
    // server's copies there are handles, not descriptors).
    const openFds = process.platform === 'win32' ? openFdCount : () => fs.readdirSync('/proc/self/fd').length;
    const kept = devNull();
    const moved = devNull();
    const closed = devNull(); // the lowest free number once closed
    fs.closeSync(closed);
    const pending = server.stats().pendingLaunches;
    const before = openFds();
    try {
      for (const ports of [
        { 1: { fd: closed, disposition: 'copy' } },
        { 1: { fd: kept, disposition: 'copy' }, 2: { fd: closed, disposition: 'copy' } },
        {
          1: { fd: moved, disposition: 'move' },
          2: { fd: kept, disposition: 'copy' },
          3: { fd: closed, disposition: 'copy' },
        },
        { 1: { fd: kept, disposition: 'copy' }, 2: { fd: closed, disposition: 'move' } },
        // No room for a copy above these: every right is checked first.
        { 1: { fd: kept, disposition: 'copy' }, 2: { fd: 0x7ffffffe, disposition: 'copy' } },
        { 1: { fd: kept, disposition: 'copy' }, 2: { fd: 0x7fffffff, disposition: 'copy' } },
      ]) {
        const closed = ports[Object.keys(ports).length].fd;
        let expected;
        assert.throws(
          () => server.registerPortsForPid(sleeper.pid, ports),
          (error) => {
            expected = error;
            return true;
          },
        );
        assert.throws(
          () => server.prepareLaunch(ports),
          (error) => {
            assert.equal(error.constructor, TypeError);
            assert.equal(error.code, 'ERR_RENDEZVOUS_INVALID_RIGHT');
            assert.equal(error.syscall, CLOSED_FD_CALL);
            assert.equal(error.errno, 9); // EBADF
            assert.match(error.message, new RegExp(`fd ${closed} is not open`));
            for (const field of ['constructor', 'code', 'syscall', 'errno', 'message']) {
              assert.equal(error[field], expected[field], field);
            }
            return true;
          },
          JSON.stringify(ports),
        );
        assert.equal(openFds(), before, 'no copy was kept');
        assert.ok(fdIsOpen(moved), 'a moved fd of a refused launch stays with its caller');
      }
      assert.equal(server.stats().pendingLaunches, pending, 'nothing was prepared');
    } finally {
      fs.closeSync(kept);
      fs.closeSync(moved);
    }
  });

  test('invalid fds, dispositions and pids are refused', () => {
    const fd = devNull();
    try {
      expectError(
        () => server.registerPortsForPid(sleeper.pid, { 1: { fd: -1, disposition: 'copy' } }),
        RangeError,
        'ERR_RENDEZVOUS_INVALID_RIGHT',
      );
      expectError(
        () => server.registerPortsForPid(sleeper.pid, { 1: { fd: 'x', disposition: 'copy' } }),
        TypeError,
        'ERR_RENDEZVOUS_INVALID_RIGHT',
      );
      expectError(
        () => server.registerPortsForPid(sleeper.pid, { 1: fd }),
        TypeError,
        'ERR_RENDEZVOUS_INVALID_RIGHT',
      );
      expectError(
        () => server.registerPortsForPid(sleeper.pid, { 1: { fd, disposition: 'steal' } }),
        TypeError,
        'ERR_RENDEZVOUS_INVALID_DISPOSITION',
      );
      expectError(
        () => server.registerPortsForPid(sleeper.pid, { 1: { fd } }),
        TypeError,
        'ERR_RENDEZVOUS_INVALID_DISPOSITION',
      );
      for (const pid of [0, -5, 2 ** 31]) {
        expectError(() => server.registerPortsForPid(pid, {}), RangeError, 'ERR_RENDEZVOUS_INVALID_PID');
      }
      expectError(() => server.registerPortsForPid(1.5, {}), RangeError, 'ERR_RENDEZVOUS_INVALID_PID');
      expectError(() => server.registerPortsForPid('12', {}), TypeError, 'ERR_RENDEZVOUS_INVALID_PID');
      expectError(
        () => server.registerPortsForPid(sleeper.pid, 5),
        TypeError,
        'ERR_RENDEZVOUS_INVALID_ARGUMENT',
      );
      assert.ok(fdIsOpen(fd));
    } finally {
      fs.closeSync(fd);
    }
  });

  test('moving one fd under two keys is refused', () => {
    const fd = devNull();
    const other = sleepingChild(30);
    try {
      expectError(
        () =>
          server.registerPortsForPid(other.pid, {
            1: { fd, disposition: 'move' },
            2: { fd, disposition: 'move' },
          }),
        TypeError,
        'ERR_RENDEZVOUS_INVALID_RIGHT',
      );
      assert.ok(fdIsOpen(fd));
    } finally {
      other.kill('SIGKILL');
      fs.closeSync(fd);
    }
  });

  test('a pid that does not exist is refused', () => {
    const gone = exitedChildPid();
    expectError(() => server.registerPortsForPid(gone, {}), Error, 'ERR_RENDEZVOUS_PROCESS_GONE');
  });

  test(
    'a moved fd without close-on-exec becomes close-on-exec, the server’s copy is too, and a process launched meanwhile inherits neither',
    { skip: NEEDS_PROC },
    async () => {
      await expectHandOverCloseOnExec('register');
    },
  );
});

describe('the raw addon checks its arguments again', () => {
  test('a client timeout as long as the longest server hold (1 h + 5 s) is accepted', () => {
    // pendingRequestTimeoutMs may be an hour; a child then waits an hour and 5 s.
    assert.throws(() => native().performRendezvous(ABSENT_ENDPOINT, 1, 3_605_000, false), {
      code: 'ERR_RENDEZVOUS_NO_SERVER',
    });
  });

  test('a throwing getter in the arguments throws, it never aborts the process', () => {
    const script = `
      const { native } = require('./dist/lib/native');
      const { RendezvousServer } = require('./dist/main');
      RendezvousServer.instance();
      const addon = native();
      const boom = () => { throw new Error('boom'); };
      const attempts = [
        () => addon.registerForPid(process.pid, Object.defineProperty([], 0, { get: boom })),
        () => addon.registerForPid(process.pid, [{ get key() { return boom(); }, handle: 0, disposition: 'copy' }]),
        () => addon.registerForPid(process.pid, [{ key: 1, handle: 0, get disposition() { return boom(); } }]),
        () => addon.startServer({ get pendingRequestTimeoutMs() { return boom(); } }),
      ];
      for (const attempt of attempts) {
        try { attempt(); process.exit(2); } catch (error) { if (error.message !== 'boom') process.exit(3); }
      }
    `;
    const result = childProcess.spawnSync(process.execPath, ['-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
  });

  test('garbage arguments throw, they never crash the process', () => {
    const addon = native();
    const calls = [
      () => addon.registerForPid(),
      () => addon.registerForPid({}, []),
      () => addon.registerForPid(sleeper.pid, {}),
      () => addon.registerForPid(sleeper.pid, [null]),
      () => addon.registerForPid(sleeper.pid, [{ key: 1, handle: 2 ** 60, disposition: 'copy' }]),
      () => addon.registerForPid(sleeper.pid, [{ key: 2 ** 33, handle: 0, disposition: 'copy' }]),
      () => addon.registerForPid(sleeper.pid, [{ key: 1, handle: 0, disposition: 7 }]),
      () =>
        addon.registerForPid(
          sleeper.pid,
          Array.from({ length: 65 }, () => ({})),
        ),
      () => addon.prepareLaunch('x'),
      () => addon.bindLaunch(-1, 1),
      () => addon.bindLaunch(2 ** 60, 1),
      () => addon.cancelLaunch('x'),
      () => addon.performRendezvous(),
      () => addon.performRendezvous('no-at-sign', 1, 10, false),
      () => addon.performRendezvous('@x', 0, 10, false),
      () => addon.startServer({ pendingRequestTimeoutMs: -4 }),
    ];
    for (const call of calls) {
      assert.throws(
        call,
        (error) => typeof error.code === 'string' && error.code.startsWith('ERR_RENDEZVOUS_'),
      );
    }
  });

  test('a packed registration is checked field by field, with the codes of the object form', () => {
    const addon = native();
    const copy = addon.packedDispositions.indexOf('copy');
    const fd = fs.openSync(os.devNull, 'r');
    try {
      const refusals = [
        [new Int32Array([1, fd, copy]), 'ERR_RENDEZVOUS_INVALID_ARGUMENT', TypeError],
        [new Float64Array([1, fd]), 'ERR_RENDEZVOUS_INVALID_ARGUMENT', TypeError],
        [new Float64Array(65 * 3), 'ERR_RENDEZVOUS_TOO_MANY_RIGHTS', RangeError],
        [new Float64Array([2 ** 33, fd, copy]), 'ERR_RENDEZVOUS_INVALID_KEY', RangeError],
        [new Float64Array([1.5, fd, copy]), 'ERR_RENDEZVOUS_INVALID_KEY', RangeError],
        [new Float64Array([1, NaN, copy]), 'ERR_RENDEZVOUS_INVALID_RIGHT', RangeError],
        [new Float64Array([1, -1, copy]), 'ERR_RENDEZVOUS_INVALID_RIGHT', RangeError],
        [
          new Float64Array([1, fd, addon.packedDispositions.length]),
          'ERR_RENDEZVOUS_INVALID_DISPOSITION',
          RangeError,
        ],
        [new Float64Array([1, fd, -1]), 'ERR_RENDEZVOUS_INVALID_DISPOSITION', RangeError],
        [new Float64Array([1, fd, copy, 1, fd, copy]), 'ERR_RENDEZVOUS_INVALID_KEY', TypeError],
      ];
      if (!addon.constants.machPorts) {
        refusals.push([
          new Float64Array([1, fd, addon.packedDispositions.indexOf('move-send')]),
          'ERR_RENDEZVOUS_INVALID_DISPOSITION',
          TypeError,
        ]);
      }
      for (const [rights, code, errorClass] of refusals) {
        for (const call of [
          () => addon.registerForPid(sleeper.pid, rights),
          () => addon.prepareLaunch(rights),
        ]) {
          assert.throws(
            call,
            (error) => error instanceof errorClass && error.code === code,
            `${rights}: ${code}`,
          );
        }
      }
      assert.equal(addon.serverStats().pendingLaunches, 0, 'nothing was taken');
      assert.equal(addon.serverStats().registrations, 0);
      assert.ok(Object.isFrozen(addon.packedDispositions));
    } finally {
      fs.closeSync(fd);
    }
  });
});
