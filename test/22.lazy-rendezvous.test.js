'use strict';
// The preload only takes the endpoint out of the environment; the addon,
// the API and the rendezvous wait for the child's first use of it, while the
// parent's server holds the rights (until claimed, or until the child exits).
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');
const { afterEach, test } = require('node:test');

const rendezvous = require('../dist/main');
const { exited, firstMessage, fixture, killStragglers, track } = require('./support/children');
const {
  WRITERS_VISIBLE,
  makePipe,
  openFdCount,
  pipeHolding,
  waitFor,
  writersAllClosed,
} = require('./support/fds');

afterEach(killStragglers);

const CHILD = fixture('lazy-child.js');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `command` and waits for the child's answer. */
async function ask(child, command) {
  const answer = firstMessage(child);
  child.send(command);
  return answer;
}

/** A child of `launch`, started with the preload but not bound to it. */
function launchUnbound(launch) {
  return track(
    childProcess.fork(CHILD, [], {
      env: { ...process.env, ...launch.env },
      execArgv: ['--require', rendezvous.PRELOAD_PATH],
    }),
  );
}

test('a child that never uses the API: endpoint gone before its module runs, no addon, no API, grandchild sees nothing', async () => {
  const server = rendezvous.RendezvousServer.instance();
  try {
    const child = track(
      rendezvous.fork(CHILD, { ports: { 1: { fd: pipeHolding('unused'), disposition: 'move' } } }),
    );
    const start = await firstMessage(child);
    assert.deepEqual(start, { envAtStart: [], addonMapped: false, apiLoaded: false, grandchildSees: [] });
    assert.equal(server.stats().registrations, 1, 'the server still holds the rights for the child');
    await sleep(100);
    assert.deepEqual(await ask(child, { report: true }), { addonMapped: false, apiLoaded: false });
    child.send({ exit: true });
    await exited(child);
  } finally {
    server.stop();
  }
});

test('rights for a child that never asks are closed in the parent when it exits', async () => {
  const server = rendezvous.RendezvousServer.instance();
  try {
    for (const end of ['exit', 'SIGKILL']) {
      const baseline = openFdCount();
      const { readFd, writeFd } = makePipe();
      const child = track(rendezvous.fork(CHILD, { ports: { 1: { fd: writeFd, disposition: 'move' } } }));
      await firstMessage(child);
      // Windows: a file stands in for the pipe and cannot show its writers;
      // the released registration is what is seen there.
      if (WRITERS_VISIBLE)
        assert.equal(writersAllClosed(readFd), false, 'the server holds the write end while the child lives');
      if (end === 'exit') child.send({ exit: true });
      else child.kill('SIGKILL');
      await exited(child);
      await waitFor(() => server.stats().registrations === 0, 3000, 'the registration to be released');
      if (WRITERS_VISIBLE)
        await waitFor(() => writersAllClosed(readFd), 3000, 'the moved write end to be closed');
      fs.closeSync(readFd);
      await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);
    }
  } finally {
    server.stop();
  }
});

test('a child whose first use comes late gets its rights: bound ones wait for it, an unbound launch holds its request', async () => {
  const server = rendezvous.RendezvousServer.instance({ pendingRequestTimeoutMs: 3000 });
  try {
    // fork() binds at once: the registration waits however late the child asks.
    const bound = track(
      rendezvous.fork(CHILD, { ports: { 1: { fd: pipeHolding('late'), disposition: 'move' } } }),
    );
    await firstMessage(bound);
    await sleep(300);
    const late = await ask(bound, { take: 1 });
    assert.deepEqual(late, { portCount: 1, code: null, text: 'late', addonMapped: true, apiLoaded: true });

    // Asked before the launch is bound (as in Electron, which reports the pid
    // at 'spawn'): held within pendingRequestTimeoutMs, then answered.
    const launch = server.prepareLaunch({ 1: { fd: pipeHolding('held'), disposition: 'move' } });
    const child = launchUnbound(launch);
    await firstMessage(child);
    const answer = ask(child, { take: 1 });
    await waitFor(() => server.stats().heldRequests === 1, 3000, 'the request to be held');
    await sleep(200);
    launch.bind(child.pid);
    assert.deepEqual(await answer, {
      portCount: 1,
      code: null,
      text: 'held',
      addonMapped: true,
      apiLoaded: true,
    });
    for (const c of [bound, child]) c.send({ exit: true });
    await Promise.all([exited(bound), exited(child)]);
  } finally {
    server.stop();
  }
});

test('a first use after the server’s wait gets what the eager rendezvous got then: an empty answer, or the same error codes', async () => {
  const server = rendezvous.RendezvousServer.instance({ pendingRequestTimeoutMs: 300 });
  try {
    const baseline = openFdCount();
    // Never bound: the held request is answered empty once the wait passes.
    const { readFd, writeFd } = makePipe();
    const launch = server.prepareLaunch({ 1: { fd: writeFd, disposition: 'move' } });
    const child = launchUnbound(launch);
    await firstMessage(child);
    const answer = await ask(child, { take: 1 });
    assert.deepEqual(answer, { portCount: 0, code: null, text: null, addonMapped: true, apiLoaded: true });
    launch.cancel();
    assert.equal(server.stats().pendingLaunches, 0, 'the cancelled launch is gone');
    if (WRITERS_VISIBLE)
      await waitFor(() => writersAllClosed(readFd), 3000, 'the cancelled launch to close its write end');
    fs.closeSync(readFd);
    child.send({ exit: true });
    await exited(child);
    await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline}`);

    // A right of another kind: the same refusal as ever.
    const wrong = track(
      rendezvous.fork(CHILD, { ports: { 1: { fd: pipeHolding('fd'), disposition: 'move' } } }),
    );
    await firstMessage(wrong);
    const refused = await ask(wrong, { takeRegion: 1 });
    assert.equal(refused.thrown, 'ERR_RENDEZVOUS_WRONG_KIND');
    wrong.send({ exit: true });
    await exited(wrong);
  } finally {
    server.stop();
  }

  // The server gone before the child's first use: the child's rights went
  // with it, and it is told so with the code a child launched towards a dead
  // endpoint always got.
  const gone = rendezvous.RendezvousServer.instance();
  const orphan = track(
    rendezvous.fork(CHILD, { ports: { 1: { fd: pipeHolding('gone'), disposition: 'move' } } }),
  );
  await firstMessage(orphan);
  gone.stop();
  const failed = await ask(orphan, { take: 1 });
  assert.deepEqual(failed, {
    portCount: null,
    code: 'ERR_RENDEZVOUS_NO_SERVER',
    text: null,
    addonMapped: true,
    apiLoaded: true,
  });
  orphan.send({ exit: true });
  await exited(orphan);
});

test('the preload exports what the API module exports, lazily, to CommonJS and ES module importers alike', () => {
  const script = (body) =>
    childProcess.execFileSync(process.execPath, ['-e', body], { cwd: __dirname, encoding: 'utf8' });
  const names = JSON.parse(
    script(`
      const preload = require('../dist/preload');
      const names = Object.keys(preload);
      const before = Object.keys(require.cache).some((file) => file.endsWith('client.js'));
      const api = require('../dist/preload/api');
      const same = names.every((name) => preload[name] === api[name]);
      const main = require('../dist/main');
      const shared = ['Channel', 'SharedMemory', 'RendezvousError', 'ReceivedFd'].every((n) => main[n] === preload[n]);
      console.log(JSON.stringify({ names, apiNames: Object.keys(api), before, same, shared }));
    `),
  );
  assert.deepEqual(names.names, names.apiNames);
  assert.equal(names.before, false, 'requiring the preload loads no API');
  assert.equal(names.same, true);
  assert.equal(names.shared, true, 'the classes are the main entry point’s own');

  // An import specifier is a URL: a Windows path's drive letter is no scheme.
  const preloadUrl = JSON.stringify(pathToFileURL(require.resolve('../dist/preload')).href);
  const esm = childProcess.execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import * as preload from ${preloadUrl};
       import { RendezvousClient, SharedMemory } from ${preloadUrl};
       console.log(JSON.stringify([typeof RendezvousClient, typeof SharedMemory, RendezvousClient.lastError?.code, Object.keys(preload).filter((k) => !['default', 'module.exports', '__esModule'].includes(k))]));`,
    ],
    { encoding: 'utf8' },
  );
  assert.deepEqual(JSON.parse(esm), [
    'function',
    'function',
    'ERR_RENDEZVOUS_NO_SERVER',
    [...names.names].sort(),
  ]);
});
