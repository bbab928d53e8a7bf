'use strict';
// fork()'s Electron path against utilityProcess.fork's documented contract,
// with a stand-in that runs real Node children (test/support/
// utility-process-double.js). A unit test of the option mapping and of the
// late-'spawn' binding, not an end-to-end test: those are in e2e/ and need an
// Electron binary.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { after, afterEach, before, test } = require('node:test');

const { RendezvousServer, UTILITY_ENTRY_PATH } = require('../dist/main');
const { forkUtilityProcess } = require('../dist/main/fork-utility');
const { fixture } = require('./support/children');
const { openFdCount, pipeHolding, waitFor } = require('./support/fds');
const { electronDouble } = require('./support/utility-process-double');

let server;
const running = new Set();
before(() => {
  server = RendezvousServer.instance();
});
afterEach(async () => {
  // As in Electron, a utility process can be killed only once it has spawned.
  for (const child of running) {
    if (child.pid === undefined) child.once('spawn', () => child.kill());
    else child.kill();
  }
  await waitFor(() => running.size === 0, 5000, 'children to exit');
});
after(() => server.stop());

function launch(electron, modulePath, args, options) {
  const child = forkUtilityProcess(electron, modulePath, args, options);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

const firstMessage = (child) => new Promise((resolve) => child.once('message', resolve));

test('a child that asks before the late spawn event gets its rights once bound', async () => {
  // A late spawn event, as in Electron; generous, so the child asks first
  // even on a loaded machine (checked below, not assumed).
  const electron = electronDouble({ spawnDelayMs: 1500 });
  const child = launch(electron, fixture('utility-report.js'), ['--flag', 'value'], {
    ports: { 1: { fd: pipeHolding('for the utility process'), disposition: 'move' } },
  });
  assert.equal(child.pid, undefined, 'no pid until spawn, as in Electron');
  let boundAt;
  child.once('spawn', () => (boundAt = Date.now())); // after fork()'s own listener bound it
  const report = await firstMessage(child);
  assert.equal(report.error, null);
  assert.deepEqual(report.contents, { 1: 'for the utility process' });
  const askedAt = report.readyAt - report.durationMs;
  assert.ok(askedAt < boundAt, `the child asked ${boundAt - askedAt} ms before its pid was bound`);
  assert.equal(report.argv1, fixture('utility-report.js'), 'the module sees itself as the entry');
  assert.deepEqual(report.args, ['--flag', 'value']);
  assert.equal(report.endpointLeft, null);
  assert.equal(report.entryLeft, null);
  child.postMessage('exit');
});

test("env replaces the child's environment: the caller's env is merged with the endpoint, not process.env", async () => {
  process.env.EPR_PARENT_ONLY = 'leaked';
  try {
    const electron = electronDouble();
    const child = launch(electron, fixture('utility-report.js'), [], {
      env: { PATH: process.env.PATH, CALLER_VARIABLE: 'kept' },
      ports: { 2: { fd: pipeHolding('env test'), disposition: 'move' } },
    });
    const report = await firstMessage(child);
    assert.equal(report.callerVariable, 'kept');
    assert.equal(report.parentOnly, null, 'a variable only in process.env does not reach the child');
    assert.deepEqual(report.contents, { 2: 'env test' });
    child.postMessage('exit');

    const inheriting = launch(electronDouble(), fixture('utility-report.js'), [], {});
    assert.equal((await firstMessage(inheriting)).parentOnly, 'leaked', 'without env, process.env is merged');
    inheriting.postMessage('exit');
  } finally {
    delete process.env.EPR_PARENT_ONLY;
  }
});

test('every other option reaches utilityProcess.fork unchanged', () => {
  const electron = electronDouble();
  const stdio = ['ignore', 'pipe', 'pipe'];
  const child = launch(electron, fixture('utility-report.js'), ['a'], {
    stdio,
    serviceName: 'Indexer',
    cwd: __dirname,
    allowLoadingUnsignedLibraries: true,
    respondToAuthRequestsFromMainProcess: true,
    execArgv: ['--inspect-port=0'],
  });
  const [{ modulePath, args, options }] = electron.calls;
  assert.equal(modulePath, UTILITY_ENTRY_PATH);
  assert.deepEqual(args, ['a']);
  assert.equal(options.stdio, stdio);
  assert.equal(options.serviceName, 'Indexer');
  assert.equal(options.cwd, __dirname);
  assert.equal(options.allowLoadingUnsignedLibraries, true);
  assert.equal(options.respondToAuthRequestsFromMainProcess, true);
  assert.deepEqual(options.execArgv, ['--inspect-port=0']);
  assert.equal(options.ports, undefined, 'ports are ours, not Electron’s');
  assert.equal(options.env.ELECTRON_PORT_RENDEZVOUS_ENTRY, fixture('utility-report.js'));
});

test('an ES module runs under the utility entry', async () => {
  const child = launch(electronDouble({ spawnDelayMs: 50 }), fixture('utility-report.mjs'), [], {
    ports: { 1: { fd: pipeHolding('to an ES module'), disposition: 'move' } },
  });
  assert.deepEqual(await firstMessage(child), {
    esm: true,
    argv1: fixture('utility-report.mjs'),
    content: 'to an ES module',
  });
  child.postMessage('exit');
});

test('before the app is ready, fork() fails clearly and takes nothing', () => {
  const fd = fs.openSync('/dev/null', 'r');
  assert.throws(
    () =>
      launch(electronDouble({ ready: false }), fixture('utility-report.js'), [], {
        ports: { 1: { fd, disposition: 'move' } },
      }),
    { code: 'ERR_RENDEZVOUS_APP_NOT_READY' },
  );
  fs.fstatSync(fd); // still the caller's
  fs.closeSync(fd);
  assert.deepEqual(server.stats(), { registrations: 0, pendingLaunches: 0 });
});

test('when utilityProcess.fork throws, or the child is killed as it spawns, its rights are released', async () => {
  const baseline = openFdCount();
  assert.throws(() =>
    forkUtilityProcess(electronDouble(), 42, [], {
      ports: { 1: { fd: pipeHolding('x'), disposition: 'move' } },
    }),
  );
  assert.deepEqual(server.stats(), { registrations: 0, pendingLaunches: 0 });

  // Killed as soon as it spawns, before it can ask (as Electron allows).
  const electron = electronDouble({ spawnDelayMs: 0 });
  const child = launch(electron, fixture('utility-report.js'), [], {
    ports: { 1: { fd: pipeHolding('y'), disposition: 'move' } },
  });
  child.once('spawn', () => assert.equal(child.kill(), true));
  const [code] = await new Promise((resolve) => child.once('exit', (...args) => resolve(args)));
  assert.equal(code, 0, 'Electron reports a killed utility process as code 0');
  await waitFor(() => server.stats().registrations === 0, 3000, 'the registration to be released');
  assert.deepEqual(server.stats(), { registrations: 0, pendingLaunches: 0 });
  assert.equal(openFdCount(), baseline);
});
