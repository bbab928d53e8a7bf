'use strict';
// fork()'s Electron path against a stand-in for Electron's utilityProcess
// that runs real Node children and copies Electron 39's behaviour, line by
// cited line (test/support/utility-process-double.js). A unit test of the
// option mapping, the entry and the late-'spawn' binding, not an end-to-end
// test: those are in e2e/ and need an Electron binary.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, afterEach, before, test } = require('node:test');

const { RendezvousServer, UTILITY_ENTRY_PATH } = require('../dist/main');
const { forkUtilityProcess } = require('../dist/main/fork-utility');
const { firstMessage, fixture } = require('./support/children');
const { openFdCount, pipeHolding, waitFor } = require('./support/fds');
const { rightsToGiveBack } = require('./support/given-back');
const { electronDouble } = require('./support/utility-process-double');
const { ADDON_PATH_VARIABLE } = require('../dist/lib/loader');

// The addon build this run loads, where one is named (a cross or sanitizer
// build), and what that build needs in order to load (the sanitizer's
// runtime and options): a child whose environment is replaced must load the
// same build, the same way.
const ADDON_LOADING = Object.fromEntries(
  [ADDON_PATH_VARIABLE, 'LD_PRELOAD', 'ASAN_OPTIONS', 'LSAN_OPTIONS', 'UBSAN_OPTIONS']
    .filter((name) => process.env[name] !== undefined)
    .map((name) => [name, process.env[name]]),
);

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
  try {
    await waitFor(() => running.size === 0, 5000, 'children to exit');
  } finally {
    // One that died before 'spawn' reports nothing, as in Electron.
    running.clear();
  }
});
after(() => server.stop());

function launch(electron, modulePath, args, options) {
  const child = forkUtilityProcess(electron, modulePath, args, options);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

test('a child that asks before the late spawn event gets its rights once bound', async () => {
  // A late spawn event, as in Electron: here it comes only once the server
  // holds the child's request, so the child has provably asked first.
  let emitSpawn;
  const electron = electronDouble({ spawnWhen: new Promise((resolve) => (emitSpawn = resolve)) });
  const child = launch(electron, fixture('utility-report.js'), ['--flag', 'value'], {
    ports: { 1: { fd: pipeHolding('for the utility process'), disposition: 'move' } },
  });
  assert.equal(child.pid, undefined, 'no pid until spawn, as in Electron');
  let boundAt;
  child.once('spawn', () => (boundAt = Date.now())); // after fork()'s own listener bound it
  const reported = firstMessage(child);
  try {
    await waitFor(() => server.stats().heldRequests === 1, 10000, 'the child to ask');
    assert.equal(child.pid, undefined, 'the child asked before spawn');
  } finally {
    emitSpawn();
  }
  const report = await reported;
  assert.equal(report.error, null);
  assert.deepEqual(report.contents, { 1: 'for the utility process' });
  const askedAt = report.readyAt - report.durationMs;
  assert.ok(askedAt < boundAt, `the child asked ${boundAt - askedAt} ms before its pid was bound`);
  assert.equal(server.stats().heldRequests, 0, 'answered, no longer held');
  assert.deepEqual(report.args, ['--flag', 'value']);
  assert.equal(report.endpointLeft, null);
  assert.equal(report.entryLeft, null);
  assert.equal(report.hasSend, false, 'a utility process talks over process.parentPort only');
  child.postMessage('exit');
});

test("the caller's module is the main module, as Electron's own entry would be", async () => {
  const child = launch(electronDouble(), fixture('utility-report.js'), [], {});
  const report = await firstMessage(child);
  assert.equal(report.isMain, true, 'require.main === module and process.mainModule === module');
  assert.equal(report.mainFilename, fixture('utility-report.js'));
  assert.equal(report.argv1, fixture('utility-report.js'));
  child.postMessage('exit');
});

test('an ES module runs under the utility entry as the entry point', async () => {
  const child = launch(electronDouble({ spawnDelayMs: 50 }), fixture('utility-report.mjs'), [], {
    ports: { 1: { fd: pipeHolding('to an ES module'), disposition: 'move' } },
  });
  const { importMetaMain, ...report } = await firstMessage(child);
  assert.deepEqual(report, { esm: true, argv1: fixture('utility-report.mjs'), content: 'to an ES module' });
  // Node 24 has import.meta.main (true for the entry); older Node, none.
  assert.notEqual(importMetaMain, false, 'the ES module is the entry point');
  child.postMessage('exit');
});

test('fork(modulePath, options) takes the options without an args array, as Electron does', async () => {
  const electron = electronDouble();
  const child = launch(electron, fixture('utility-report.js'), {
    ports: { 3: { fd: pipeHolding('no args'), disposition: 'move' } },
  });
  const report = await firstMessage(child);
  assert.deepEqual(report.contents, { 3: 'no args' });
  assert.deepEqual(report.args, []);
  child.postMessage('exit');
});

test("a relative modulePath is the child's: resolved against options.cwd, argv[1] as given", async () => {
  const FIXTURES = path.dirname(fixture('utility-report.js'));
  const child = launch(electronDouble(), 'utility-report.js', [], { cwd: FIXTURES });
  const report = await firstMessage(child);
  assert.equal(report.cwd, FIXTURES);
  assert.equal(report.mainFilename, fixture('utility-report.js'));
  assert.equal(report.argv1, 'utility-report.js', 'Electron leaves process.argv[1] as the caller gave it');
  child.postMessage('exit');
});

test("env replaces the child's environment: the caller's env is merged with the endpoint, not process.env", async () => {
  process.env.EPR_PARENT_ONLY = 'leaked';
  try {
    const electron = electronDouble();
    const child = launch(electron, fixture('utility-report.js'), [], {
      env: { PATH: process.env.PATH, CALLER_VARIABLE: 'kept', ...ADDON_LOADING },
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

test('an empty env means inherit in Electron, so the child still gets process.env', async () => {
  process.env.EPR_PARENT_ONLY = 'inherited';
  try {
    const child = launch(electronDouble(), fixture('utility-report.js'), [], {
      env: {},
      ports: { 1: { fd: pipeHolding('empty env'), disposition: 'move' } },
    });
    const report = await firstMessage(child);
    assert.equal(report.parentOnly, 'inherited');
    assert.deepEqual(report.contents, { 1: 'empty env' });
    child.postMessage('exit');
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
    disclaim: true,
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
  assert.equal(options.disclaim, true);
  assert.equal(options.respondToAuthRequestsFromMainProcess, true);
  assert.deepEqual(options.execArgv, ['--inspect-port=0']);
  assert.equal(options.ports, undefined, 'ports are ours, not Electron’s');
  assert.equal(options.env.ELECTRON_PORT_RENDEZVOUS_ENTRY, fixture('utility-report.js'));
  assert.ok(child.stdout && child.stderr, "'pipe' gives the caller Electron's stdout and stderr streams");
  child.stdout.resume();
  child.stderr.resume();
  child.once('message', () => child.postMessage('exit'));
});

test('execArgv is what the child sees, but only the options Electron allows take effect', async () => {
  const requested = ['--require', fixture('mark-preloaded.js'), '--no-deprecation'];
  const child = launch(electronDouble(), fixture('utility-report.js'), [], { execArgv: requested });
  const report = await firstMessage(child);
  assert.deepEqual(report.execArgv, requested);
  assert.equal(report.noDeprecation, true, '--no-deprecation is allowed');
  assert.equal(report.preloaded, false, '--require is not');
  child.postMessage('exit');
});

test("an 'error' the caller does not listen to still throws, as Electron's would", () => {
  const child = launch(electronDouble(), fixture('utility-report.js'), [], {});
  // What Electron emits for a utility process's V8 fatal error.
  assert.throws(() => child.emit('error', 'FatalError', 'location', 'report'), {
    code: 'ERR_UNHANDLED_ERROR',
  });
  child.once('message', () => child.postMessage('exit'));
});

test('before the app is ready, fork() fails clearly and takes nothing', () => {
  const fd = fs.openSync(os.devNull, 'r');
  // An earlier test's child may still be on its way out: nothing is added.
  const before = server.stats();
  assert.throws(
    () =>
      launch(electronDouble({ ready: false }), fixture('utility-report.js'), [], {
        ports: { 1: { fd, disposition: 'move' } },
      }),
    { code: 'ERR_RENDEZVOUS_APP_NOT_READY' },
  );
  fs.fstatSync(fd); // still the caller's
  fs.closeSync(fd);
  const after = server.stats();
  for (const field of ['registrations', 'pendingLaunches', 'heldRequests']) {
    assert.ok(after[field] <= before[field], `${field}: ${before[field]} before, ${after[field]} after`);
  }
});

test('when utilityProcess.fork throws, the caller owns every right again', async () => {
  const baseline = openFdCount();
  const { ports, assertGivenBack } = rightsToGiveBack();
  assert.throws(
    () => forkUtilityProcess(electronDouble(), fixture('utility-report.js'), [], { stdio: 'bogus', ports }),
    { message: 'stdio must be of the following values: inherit, pipe, ignore' },
  );
  assert.deepEqual(server.stats(), { registrations: 0, pendingLaunches: 0, heldRequests: 0 });
  await assertGivenBack();
  await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline} (the copy released)`);
  assert.throws(() => forkUtilityProcess(electronDouble(), 42, [], {}), {
    code: 'ERR_RENDEZVOUS_INVALID_ARGUMENT',
  });
});

test('a child killed as it spawns has its rights released', async () => {
  const baseline = openFdCount();
  // Killed as soon as it spawns, before it can ask (as Electron allows).
  const electron = electronDouble({ spawnDelayMs: 0 });
  const child = launch(electron, fixture('utility-report.js'), [], {
    ports: { 1: { fd: pipeHolding('y'), disposition: 'move' } },
  });
  assert.equal(child.kill(), false, 'Electron cannot kill a utility process before it spawns');
  child.once('spawn', () => assert.equal(child.kill(), true));
  const [code] = await new Promise((resolve) => child.once('exit', (...args) => resolve(args)));
  assert.equal(code, 0, 'Electron reports a killed utility process as code 0');
  await waitFor(() => server.stats().registrations === 0, 3000, 'the registration to be released');
  assert.deepEqual(server.stats(), { registrations: 0, pendingLaunches: 0, heldRequests: 0 });
  await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
});
