'use strict';
// Children launched for real receive exactly their own rights.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const { after, afterEach, before, test } = require('node:test');

const rendezvous = require('../dist/main');
const { Channel, SharedMemory } = rendezvous;
const { exited, firstMessage, fixture, killStragglers, track } = require('./support/children');
const { NEEDS_PROC, fdsOpenedSince } = require('./support/close-on-exec');
const { NO_SOCKET_DESCRIPTOR } = require('./support/platform');
const {
  PIPE_KIND,
  listeningSocket,
  readFromPort,
  makePipe,
  makeSharedFile,
  pipeHolding,
  waitFor,
  writersAllClosed,
} = require('./support/fds');

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

// The shared file is a memfd on Linux and an unlinked file on macOS and
// Windows; Windows has no socket descriptor to hand, so the child serves
// nothing there and says so at once.
async function receivesAndUses({ withSocket }) {
  const { readFd, writeFd } = makePipe();
  const listener = withSocket ? await listeningSocket() : null;
  const memfd = await makeSharedFile('shared words');
  const child = fork(fixture('use-three-kinds.js'), [], {
    ports: {
      1: { fd: writeFd, disposition: 'move' },
      ...(listener && { 2: { fd: listener.fd, disposition: 'copy' } }),
      3: { fd: memfd, disposition: 'copy' },
    },
  });
  assert.equal(await firstMessage(child), 'ready');
  if (listener) {
    listener.server.close(); // only the child accepts now
    const reply = await readFromPort(listener.port);
    assert.equal(reply, `served by ${child.pid}`);
  }

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
}

test(
  'a child receives a pipe, a listening socket and a shared file, and uses each',
  { skip: NO_SOCKET_DESCRIPTOR },
  () => receivesAndUses({ withSocket: true }),
);

// Where there is no socket to hand, the other two kinds are still used.
if (NO_SOCKET_DESCRIPTOR)
  test('a child receives a pipe and a shared file, and uses each', () =>
    receivesAndUses({ withSocket: false }));

test('a child asking before its pid is registered still gets its rights, and never another pid’s', async () => {
  const mine = server.prepareLaunch({ 5: { fd: pipeHolding('for the early child'), disposition: 'move' } });
  const other = server.prepareLaunch({ 5: { fd: pipeHolding('for someone else'), disposition: 'move' } });
  const child = launchUnbound('report-rights.js', mine.env);
  const report = firstMessage(child);
  // The child asks at once and is held: the server says so.
  await waitFor(() => server.stats().heldRequests === 1, 10000, 'the child’s request to be held');
  // The other launch is bound to another process, which claims its rights,
  // while this one is still pending and the child still held.
  const bystander = launchUnbound('report-rights.js', other.env);
  other.bind(bystander.pid);
  const bystanderReport = await firstMessage(bystander);
  assert.deepEqual(bystanderReport.rights, { 5: { target: PIPE_KIND, content: 'for someone else' } });
  assert.equal(server.stats().heldRequests, 1, 'the child is still held after another launch was claimed');
  const boundAt = Date.now();
  mine.bind(child.pid);
  const result = await report;
  assert.equal(result.ok, true);
  assert.deepEqual(Object.keys(result.rights), ['5']);
  assert.equal(result.rights[5].content, 'for the early child');
  const askedAt = result.readyAt - result.durationMs;
  assert.ok(askedAt < boundAt, `the child asked ${boundAt - askedAt} ms before its pid was bound`);
  assert.equal(server.stats().heldRequests, 0, 'answered, no longer held');
  child.send('exit');
  bystander.send('exit');
  await Promise.all([exited(child), exited(bystander)]);
  // Both claimed their rights, so later tests count from an empty table.
  await waitFor(() => server.stats().registrations === 0, 3000, 'every registration to be claimed');
});

test('an ES module worker gets its rights through the package’s exports', async () => {
  const child = fork(fixture('esm-worker.mjs'), [], {
    ports: { 1: { fd: pipeHolding('to an ES module'), disposition: 'move' } },
  });
  assert.deepEqual(await firstMessage(child), { esm: true, content: 'to an ES module' });
  await exited(child);
});

test('a parent whose JS thread is busy from the fork on does not delay the child: it has its rights first', async () => {
  // The child closes every fd it takes, this pipe's write end too: its read
  // end reaches end-of-file only once the child has its rights.
  const taken = makePipe();
  const child = fork(fixture('report-rights.js'), [], {
    ports: {
      1: { fd: pipeHolding('busy parent'), disposition: 'move' },
      2: { fd: taken.writeFd, disposition: 'move' },
    },
  });
  // Windows: a file stands in for the pipe and cannot show its writers gone;
  // the server's table, read without the event loop, shows the claim.
  const claimed =
    process.platform === 'win32'
      ? () => server.stats().registrations === 0
      : () => writersAllClosed(taken.readFd);
  const giveUpAt = Date.now() + 20000;
  while (!claimed()) {
    // The server thread answers while this thread is busy (and never yields).
    if (Date.now() > giveUpAt) assert.fail('the child got no rights while the parent was busy for 20 s');
  }
  const busyUntil = Date.now();
  fs.closeSync(taken.readFd);
  const result = await firstMessage(child);
  assert.equal(result.rights[1].content, 'busy parent');
  assert.ok(
    result.readyAt <= busyUntil,
    `the child had its rights ${busyUntil - result.readyAt} ms before the parent's JS was free`,
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
  const registered = server.stats().registrations;
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
  assert.equal(server.stats().registrations, registered, 'every registration was claimed');
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

test('a process the child launches does not inherit the endpoint', async () => {
  assert.ok('ELECTRON_PORT_RENDEZVOUS_ENDPOINT' in server.childEnv, 'the child itself is given the endpoint');
  const child = fork(fixture('report-env.js'), [], { ports: {} });
  assert.deepEqual(await firstMessage(child), { grandchildSees: [] });
  await exited(child);
});

/** Launches a fixture that loads the preload itself, later, with `ports`. */
function launchWithoutPreload(script, ports, args = []) {
  const launch = server.prepareLaunch(ports);
  const child = track(
    childProcess.fork(fixture(script), args, { env: { ...process.env, ...launch.env }, execArgv: [] }),
  );
  return { child, launch };
}

const byNumber = (a, b) => a - b;

/** What kind of object a /proc fd target names. */
function kindOf(target) {
  if (target.startsWith('/memfd:')) return 'memfd';
  return /^([a-z_]+):/.exec(target)?.[1] ?? 'file';
}

test(
  'every right a child takes is close-on-exec, and a process the child launches inherits none',
  { skip: NEEDS_PROC },
  async () => {
    const moved = makePipe();
    const copied = makePipe();
    const region = SharedMemory.create(4096);
    const [mine, theirs] = Channel.pair();
    const { child, launch } = launchWithoutPreload(
      'report-close-on-exec.js',
      {
        1: { fd: moved.writeFd, disposition: 'move' },
        2: { fd: copied.writeFd, disposition: 'copy' },
        3: region,
        4: theirs,
      },
      ['rights'],
    );
    launch.bind(child.pid);
    const { taken, opened, grandchildTargets } = await firstMessage(child);
    // makePipe()'s pipes are FIFOs: their targets are (deleted) file names.
    assert.deepEqual(opened.map(({ target }) => kindOf(target)).sort(), ['file', 'file', 'memfd', 'socket']);
    assert.deepEqual(
      taken.map(({ fd }) => fd).sort(byNumber),
      opened
        .filter(({ target }) => kindOf(target) === 'file')
        .map(({ fd }) => fd)
        .sort(byNumber),
      'takeFd() hands out the received descriptors',
    );
    for (const { fd, target, closeOnExec } of opened) {
      assert.equal(closeOnExec, true, `fd ${fd} (${target}) is close-on-exec in the child`);
      assert.ok(!grandchildTargets.includes(target), `the grandchild inherited ${target}`);
    }
    await exited(child);
    for (const fd of [moved.readFd, copied.readFd, copied.writeFd]) fs.closeSync(fd);
    region.close();
    mine.close();
  },
);

test(
  'a child’s connection to the server is close-on-exec while its request is held',
  { skip: NEEDS_PROC },
  async () => {
    const { child, launch } = launchWithoutPreload('ask-when-told.js', {});
    const before = new Map((await firstMessage(child)).fds);
    const result = firstMessage(child);
    child.send('ask');
    let connection;
    await waitFor(
      () =>
        (connection = fdsOpenedSince(before, child.pid).find(({ target }) => kindOf(target) === 'socket')),
      5000,
      'the child to connect',
    );
    assert.equal(connection.closeOnExec, true, `the connection ${connection.target} is close-on-exec`);
    launch.bind(child.pid);
    assert.deepEqual(await result, { ok: true });
    await exited(child);
  },
);
