'use strict';
// `npm run test:soak`: 10,000 launch -> rendezvous -> exit cycles. Each child
// is handed a pipe (moved), a shared memory region (shared) and a channel
// end (handed over); most children are the minimal C client
// (test/fixtures/raw-peer.c), every 50th a Node child using the real
// client. The cycles run in batches of 1,000 (four at a time within one);
// between batches nothing is in flight, and the parent's descriptor count
// and RSS are recorded. The run fails if the descriptor count ever differs
// from the first reading, or if RSS still grows over the second half of the
// run by more than noise (8 MiB: a leak of 2 KiB per cycle would show).
const childProcess = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const path = require('node:path');

const { Channel, fork, RendezvousServer, SharedMemory } = require('../../dist/main');
const { makePipe, openFdCount } = require('../support/fds');
const { rawPeerPath } = require('../support/raw-peer');

const CYCLES = Number(process.env.SOAK_CYCLES ?? 10000);
const EVERY = 1000;
const CONCURRENCY = 4;
const RSS_NOISE_MIB = 8;
const NODE_CHILD = path.join(__dirname, 'chaos-child.js');

function tokenPipe(token) {
  const { readFd, writeFd } = makePipe();
  fs.writeSync(writeFd, token);
  fs.closeSync(writeFd);
  return readFd;
}

async function cycle(server, region, index) {
  const token = `soak-${index}`;
  const [mine, theirs] = Channel.pair();
  const ports = { 1: { fd: tokenPipe(token), disposition: 'move' }, 2: region, 3: theirs };
  if (index % 50 === 49) {
    const child = fork(NODE_CHILD, [], { ports, stdio: 'ignore' });
    const [report] = await once(child, 'message');
    if (report.token !== token) throw new Error(`cycle ${index}: got ${JSON.stringify(report)}`);
    child.send('exit');
    await once(child, 'exit');
  } else {
    const launch = server.prepareLaunch(ports);
    const child = childProcess.spawn(rawPeerPath(), ['client', 'valid'], {
      env: { ...process.env, ...launch.env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    launch.bind(child.pid);
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const [code] = await once(child, 'close');
    if (code !== 0 || out.trim() !== 'ok 3')
      throw new Error(`cycle ${index}: raw client said ${JSON.stringify(out)} (${code})`);
  }
  mine.close();
}

async function main() {
  const server = RendezvousServer.instance();
  const region = SharedMemory.create(4096);
  await cycle(server, region, -1); // warm-up: builds the raw client, opens node's /dev/null
  await cycle(server, region, 49);
  const readings = [];
  const read = (done) => {
    if (global.gc) global.gc();
    const memory = process.memoryUsage();
    readings.push({
      cycles: done,
      fds: openFdCount(),
      rssMiB: memory.rss / 2 ** 20,
      heapMiB: memory.heapUsed / 2 ** 20,
    });
  };
  read(0);
  const started = Date.now();
  for (let batch = 0; batch < CYCLES; batch += EVERY) {
    let next = batch;
    const end = Math.min(batch + EVERY, CYCLES);
    const worker = async () => {
      while (next < end) await cycle(server, region, next++);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    read(end);
  }
  const stats = server.stats();
  region.close();
  server.stop();

  console.log(`soak: ${CYCLES} cycles in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log('soak: cycles    fds   rss MiB  heap MiB');
  for (const { cycles, fds, rssMiB, heapMiB } of readings) {
    const columns = [String(cycles).padStart(6), String(fds).padStart(6), rssMiB.toFixed(1).padStart(9)];
    console.log(`soak: ${columns.join(' ')} ${heapMiB.toFixed(1).padStart(9)}`);
  }
  const first = readings[0];
  const last = readings[readings.length - 1];
  const middle = readings[Math.floor((readings.length - 1) / 2)];
  const fdDrift = readings.filter((r) => r.fds !== first.fds).length;
  const lateGrowth = last.rssMiB - middle.rssMiB;
  const ok =
    fdDrift === 0 && lateGrowth < RSS_NOISE_MIB && stats.registrations === 0 && stats.pendingLaunches === 0;
  console.log(
    `soak: fds ${first.fds} at every reading: ${fdDrift === 0 ? 'yes' : 'NO'}; RSS ${first.rssMiB.toFixed(1)} -> ` +
      `${middle.rssMiB.toFixed(1)} (cycle ${middle.cycles}) -> ${last.rssMiB.toFixed(1)} MiB, second-half growth ` +
      `${lateGrowth.toFixed(1)} MiB; registrations ${stats.registrations}, pending ${stats.pendingLaunches}: ${ok ? 'PASS' : 'FAIL'}`,
  );
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
