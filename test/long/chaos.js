'use strict';
// `npm run test:chaos`: 1,000 rendezvous in which children are killed with
// SIGKILL. Node children are killed at random moments: before they can ask,
// somewhere in start-up and the rendezvous, or after claiming. Raw C clients
// are killed at exact steps, reached by stopping themselves there: before
// connecting, connected but silent, asked while their launch was still
// unbound (dead at bind), mid-reply (held, then answered into a stopped
// process), asked with the reply unread, and after claiming; or they hang
// up right after asking. Afterwards the parent's descriptor count is back
// to its baseline, no registration or pending launch is left, and every
// child that reported got exactly its own token.
const childProcess = require('node:child_process');
const { once } = require('node:events');
const path = require('node:path');

const { fork, RendezvousServer } = require('../../dist/main');
const { makePipe, openFdCount, settledFdCount, waitFor } = require('../support/fds');
const { rawPeerPath } = require('../support/raw-peer');

const TOTAL = Number(process.env.CHAOS_LAUNCHES ?? 1000);
const CONCURRENCY = 6;
const CHILD = path.join(__dirname, 'chaos-child.js');

/** This process's descriptors and what each is (Linux). */
function fdTable() {
  const table = new Map();
  for (const fd of require('node:fs').readdirSync('/proc/self/fd')) {
    try {
      table.set(fd, require('node:fs').readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // the directory's own descriptor, gone already
    }
  }
  return table;
}

const random = (n) => Math.floor(Math.random() * n);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A pipe holding `token`; the parent keeps nothing of it after the move. */
function tokenPipe(token) {
  const { readFd, writeFd } = makePipe();
  require('node:fs').writeSync(writeFd, token);
  require('node:fs').closeSync(writeFd);
  return readFd;
}

// Where a raw C client is killed. It stops itself (SIGSTOP) at the step
// named and is killed there, so each step is hit exactly, not by timing.
const RAW_POINTS = [
  'rawHungUpAfterAsking', // closes its connection right after the request
  'rawKilledBeforeConnecting',
  'rawKilledConnected', // an idle connection, nothing asked
  'rawKilledWhileHeld', // asked before its launch was bound; dead at bind
  'rawKilledMidReply', // held, then bound: the reply is sent into a stopped child
  'rawKilledAsked', // asked after bind; the reply waits unread in its socket
  'rawKilledAfterClaim', // has read its rights; reports the token first
];

let outcomes = {
  survived: 0,
  wrongToken: 0,
  killedBeforeAsking: 0,
  killedStartingUp: 0,
  killedAfterClaim: 0,
  ...Object.fromEntries(RAW_POINTS.map((point) => [point, 0])),
};

/** A Node child killed (or not) at one of the points. */
async function nodeChild(index) {
  const token = `token-${index}-${random(1e9)}`;
  const child = fork(CHILD, [], {
    ports: { 1: { fd: tokenPipe(token), disposition: 'move' } },
    stdio: 'ignore',
  });
  const exited = once(child, 'exit');
  const reported = new Promise((resolve) => child.once('message', resolve));
  const point = random(4);
  if (point === 0) {
    child.kill('SIGKILL'); // before it can have asked
    outcomes.killedBeforeAsking += 1;
  } else if (point === 1) {
    await sleep(random(80)); // somewhere in start-up, preload or rendezvous
    child.kill('SIGKILL');
    outcomes.killedStartingUp += 1;
  } else {
    const report = await Promise.race([reported, exited.then(() => null)]);
    if (report === null) throw new Error(`child ${index} exited before reporting`);
    if (report.token !== token) {
      outcomes.wrongToken += 1;
      console.error(`child ${index} got ${JSON.stringify(report)}, expected ${token}`);
    }
    if (point === 2) {
      child.kill('SIGKILL'); // after claiming
      outcomes.killedAfterClaim += 1;
    } else {
      child.send('exit');
      outcomes.survived += 1;
    }
  }
  await exited;
}

/** The first line a child prints, or null if it exits first. */
function firstLine(child) {
  return new Promise((resolve) => {
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
    });
    child.once('exit', () => resolve(null));
  });
}

/** A raw C client killed at one exact step of the protocol. */
async function rawChild(server, index) {
  const token = `raw-${index}-${random(1e9)}`;
  const launch = server.prepareLaunch({ 1: { fd: tokenPipe(token), disposition: 'move' } });
  const point = RAW_POINTS[random(RAW_POINTS.length)];
  const stopAt = {
    rawKilledBeforeConnecting: 'before-connect',
    rawKilledConnected: 'connected',
    rawKilledWhileHeld: 'asked',
    rawKilledMidReply: 'asked',
    rawKilledAsked: 'asked',
    rawKilledAfterClaim: 'claimed',
  }[point];
  const args = stopAt === undefined ? ['client', 'close-after-request'] : ['client', 'stop-at', stopAt];
  const child = childProcess.spawn(rawPeerPath(), args, {
    env: { ...process.env, ...launch.env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = once(child, 'exit');
  const line = firstLine(child);
  const bindLater = point === 'rawKilledWhileHeld' || point === 'rawKilledMidReply';
  if (!bindLater) launch.bind(child.pid);
  outcomes[point] += 1;
  if (stopAt !== undefined) {
    const reached = await line;
    if (reached === null) throw new Error(`raw child ${index} exited before reaching ${stopAt}`);
    if (point === 'rawKilledAfterClaim' && reached !== `at claimed ${token}`) {
      outcomes.wrongToken += 1;
      console.error(`raw child ${index} printed ${JSON.stringify(reached)}, expected its token ${token}`);
    }
    if (point === 'rawKilledMidReply') {
      launch.bind(child.pid);
      await sleep(1); // the server thread answers the held request
    }
    // Killed and bound in one tick when dead at bind: not yet reaped, so
    // its pid cannot have been reused.
    child.kill('SIGKILL');
    if (point === 'rawKilledWhileHeld') launch.bind(child.pid);
  }
  await exited;
}

async function main() {
  const server = RendezvousServer.instance();
  // One launch of each kind first: node keeps a /dev/null descriptor open
  // once a child was spawned with ignored stdio, and the raw peer is built.
  await nodeChild(-1);
  await rawChild(server, -1);
  // Settled: the warm-up's connections close on the release thread, a moment later.
  const baseline = await settledFdCount();
  const before = fdTable();
  outcomes = Object.fromEntries(Object.keys(outcomes).map((key) => [key, 0]));
  let next = 0;
  const started = Date.now();
  async function worker() {
    while (next < TOTAL) {
      const index = next++;
      if (index % 5 === 4) await rawChild(server, index);
      else await nodeChild(index);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  // Exit watches release what dead children left a moment after they die.
  await waitFor(
    () => server.stats().registrations === 0 && openFdCount() === baseline,
    5000,
    'the server to settle',
  ).catch(() => {});
  const stats = server.stats();
  const fds = openFdCount();
  const after = fdTable();
  for (const [fd, target] of after) {
    if (before.get(fd) !== target) console.log(`chaos: fd ${fd} -> ${target} is new`);
  }
  console.log(`chaos: ${TOTAL} launches in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`chaos: ${JSON.stringify(outcomes)}`);
  console.log(
    `chaos: fds ${baseline} before, ${fds} after; registrations ${stats.registrations}, pending launches ${stats.pendingLaunches}`,
  );
  server.stop();
  const ok =
    fds === baseline && stats.registrations === 0 && stats.pendingLaunches === 0 && outcomes.wrongToken === 0;
  console.log(`chaos: ${ok ? 'PASS' : 'FAIL'}`);
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
