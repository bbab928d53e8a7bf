'use strict';
// Children launched for real receive exactly their own rights.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const { after, afterEach, before, test } = require('node:test');

const rendezvous = require('../dist/main');
const { exited, firstMessage, fixture, killStragglers, track } = require('./support/children');
const { listeningSocket, readFromPort, makePipe, makeSharedFile, pipeHolding } = require('./support/fds');

let server;
before(() => {
  server = rendezvous.RendezvousServer.instance();
});
afterEach(killStragglers);
after(() => server.stop());

const fork = (...args) => track(rendezvous.fork(...args));

/** Launches a fixture the way fork() does, but leaves the binding to the test. */
function launchUnbound(script, env, args = []) {
  return track(
    childProcess.fork(fixture(script), args, {
      env: { ...process.env, ...env },
      execArgv: ['--require', rendezvous.PRELOAD_PATH],
    }),
  );
}

// The shared file is a memfd on Linux and an unlinked file on macOS.
test('a child receives a pipe, a listening socket and a shared file, and uses each', async () => {
  const { readFd, writeFd } = makePipe();
  const listener = await listeningSocket();
  const memfd = await makeSharedFile('shared words');
  const child = fork(fixture('use-three-kinds.js'), [], {
    ports: {
      1: { fd: writeFd, disposition: 'move' },
      2: { fd: listener.fd, disposition: 'copy' },
      3: { fd: memfd, disposition: 'copy' },
    },
  });
  assert.equal(await firstMessage(child), 'ready');
  listener.server.close(); // only the child accepts now

  const reply = await readFromPort(listener.port);
  assert.equal(reply, `served by ${child.pid}`);

  // The child closed the only other write end, so the pipe reads to EOF.
  const pipeText = await new Promise((resolve) => {
    let text = '';
    const stream = fs.createReadStream(null, { fd: readFd });
    stream.on('data', (chunk) => (text += chunk));
    stream.on('end', () => resolve(text));
  });
  assert.equal(pipeText, `hello from ${child.pid}`);

  const buffer = Buffer.alloc(12);
  fs.readSync(memfd, buffer, 0, 12, 0);
  assert.equal(buffer.toString(), 'SHARED WORDS');
  fs.closeSync(memfd);
  child.disconnect();
  await exited(child);
});

test('a child asking before its pid is registered still gets its rights, and never another pid’s', async () => {
  const mine = server.prepareLaunch({ 5: { fd: pipeHolding('for the early child'), disposition: 'move' } });
  const other = server.prepareLaunch({ 5: { fd: pipeHolding('for someone else'), disposition: 'move' } });
  const child = launchUnbound('report-rights.js', mine.env);
  const bystander = track(childProcess.spawn('sleep', ['30'], { stdio: 'ignore' }));
  const report = firstMessage(child);
  // The child asks at once and is held: the other launch is bound first, to
  // another process, while this one is still pending.
  // Generous waits, so the child asks first even on a loaded machine
  // (checked below, not assumed).
  await new Promise((resolve) => setTimeout(resolve, 750));
  other.bind(bystander.pid);
  await new Promise((resolve) => setTimeout(resolve, 750));
  const boundAt = Date.now();
  mine.bind(child.pid);
  const result = await report;
  assert.equal(result.ok, true);
  assert.deepEqual(Object.keys(result.rights), ['5']);
  assert.equal(result.rights[5].content, 'for the early child');
  const askedAt = result.readyAt - result.durationMs;
  assert.ok(askedAt < boundAt, `the child asked ${boundAt - askedAt} ms before its pid was bound`);
  child.send('exit');
  bystander.kill('SIGKILL');
  await exited(child);
});

test('an ES module worker gets its rights through the package’s exports', async () => {
  const child = fork(fixture('esm-worker.mjs'), [], {
    ports: { 1: { fd: pipeHolding('to an ES module'), disposition: 'move' } },
  });
  assert.deepEqual(await firstMessage(child), { esm: true, content: 'to an ES module' });
  await exited(child);
});

test('a parent whose JS thread spins for 3 s right after forking does not delay the child', async () => {
  const child = fork(fixture('report-rights.js'), [], {
    ports: { 1: { fd: pipeHolding('busy parent'), disposition: 'move' } },
  });
  const spinUntil = Date.now() + 3000;
  while (Date.now() < spinUntil) {
    // The server thread answers while this thread is busy.
  }
  const result = await firstMessage(child);
  assert.equal(result.rights[1].content, 'busy parent');
  assert.ok(
    result.readyAt < spinUntil - 500,
    `the child had its rights ${spinUntil - result.readyAt} ms before the parent's JS was free`,
  );
  child.send('exit');
  await exited(child);
});

test('an unregistered process gets 0 rights at once; a second claim gets 0', async () => {
  const stranger = launchUnbound('report-rights.js', server.childEnv);
  const result = await firstMessage(stranger);
  assert.equal(result.ok, true, 'a valid client with nothing in it');
  assert.equal(result.count, 0);
  // Held, it would wait for a pending launch or 10 s.
  assert.ok(result.durationMs < 1000, `answered in ${result.durationMs} ms`);
  stranger.send('exit');
  await exited(stranger);

  const twice = fork(fixture('claim-twice.js'), [server.endpoint], {
    ports: { 1: { fd: pipeHolding('once'), disposition: 'move' } },
  });
  assert.deepEqual(await firstMessage(twice), { first: 1, second: 0 });
  await exited(twice);
});

test('each right can be taken once; portCount counts what remains', async () => {
  const child = fork(fixture('report-rights.js'), [], {
    ports: {
      3: { fd: pipeHolding('a'), disposition: 'move' },
      4: { fd: pipeHolding('b'), disposition: 'move' },
    },
  });
  const result = await firstMessage(child);
  assert.equal(result.count, 2);
  assert.equal(result.takenTwice, null);
  assert.equal(result.portCountAfter, 0);
  child.send('exit');
  await exited(child);
});

test('50 children launched at once each receive exactly their own rights', async () => {
  const children = Array.from({ length: 50 }, (_, i) =>
    fork(fixture('report-rights.js'), [], {
      ports: {
        [i]: { fd: pipeHolding(`child ${i} key ${i}`), disposition: 'move' },
        1000: { fd: pipeHolding(`child ${i} key 1000`), disposition: 'move' },
      },
    }),
  );
  const results = await Promise.all(children.map((child) => firstMessage(child, 60000)));
  results.forEach((result, i) => {
    assert.equal(result.pid, children[i].pid);
    assert.deepEqual(
      Object.fromEntries(Object.entries(result.rights).map(([key, right]) => [key, right.content])),
      { [i]: `child ${i} key ${i}`, 1000: `child ${i} key 1000` },
    );
  });
  for (const child of children) child.send('exit');
  await Promise.all(children.map(exited));
  assert.equal(server.stats().registrations, 0);
});

test('a client refuses a server that is not its parent', async () => {
  const impostor = track(childProcess.fork(fixture('fake-server.js')));
  const { endpoint } = await firstMessage(impostor);
  // The impostor holds a launch, so it would even have rights to give.
  const victim = launchUnbound('report-rights.js', {
    ELECTRON_PORT_RENDEZVOUS_ENDPOINT: endpoint,
  });
  impostor.send({ register: victim.pid });
  await new Promise((resolve) => impostor.once('message', resolve));
  const result = await firstMessage(victim);
  assert.equal(result.ok, false);
  assert.equal(result.error, 'ERR_RENDEZVOUS_NOT_PARENT');
  impostor.send('stats');
  const { stats } = await firstMessage(impostor);
  victim.send('exit');
  await exited(victim);
  assert.equal(stats.registrations, 1, 'the impostor’s registration was never claimed');
  impostor.disconnect();
  await exited(impostor);
});

test('a child launched without an endpoint gets null and a clear error', async () => {
  const child = launchUnbound('report-rights.js', {});
  const result = await firstMessage(child);
  assert.equal(result.ok, false);
  assert.equal(result.error, 'ERR_RENDEZVOUS_NO_SERVER');
  child.send('exit');
  await exited(child);
});

test('the child’s own children do not inherit the endpoint', async () => {
  const child = fork(fixture('report-env.js'), [], { ports: {} });
  const result = await firstMessage(child);
  assert.equal(result.endpoint, null);
  await exited(child);
});
