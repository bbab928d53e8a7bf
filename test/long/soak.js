'use strict';
// `npm run test:soak`: 10,000 launch -> rendezvous -> exit cycles. Each child
// is handed a pipe (moved), a shared memory region (shared) and a channel
// end (handed over); most children are the minimal C client
// (test/fixtures/raw-peer.c), every 50th a Node child using the real
// client. The parent's descriptor count and RSS are recorded every 1,000
// cycles; the run fails if descriptors grow at all or RSS grows beyond
// noise (32 MiB over the first reading).
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
const RSS_NOISE_MIB = 32;
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
    readings.push({ cycles: done, fds: openFdCount(), rssMiB: process.memoryUsage().rss / 2 ** 20 });
  };
  read(0);
  let next = 0;
  let done = 0;
  const started = Date.now();
  async function worker() {
    while (next < CYCLES) {
      await cycle(server, region, next++);
      done += 1;
      if (done % EVERY === 0) read(done);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await new Promise((resolve) => setTimeout(resolve, 200));
  read(CYCLES);
  const stats = server.stats();
  region.close();
  server.stop();

  console.log(`soak: ${CYCLES} cycles in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log('soak: cycles    fds   rss MiB');
  for (const { cycles, fds, rssMiB } of readings) {
    console.log(
      `soak: ${String(cycles).padStart(6)} ${String(fds).padStart(6)} ${rssMiB.toFixed(1).padStart(9)}`,
    );
  }
  const first = readings[0];
  const last = readings[readings.length - 1];
  const fdGrowth = Math.max(...readings.map((r) => r.fds)) - first.fds;
  const rssGrowth = last.rssMiB - first.rssMiB;
  const ok =
    fdGrowth === 0 && rssGrowth < RSS_NOISE_MIB && stats.registrations === 0 && stats.pendingLaunches === 0;
  console.log(
    `soak: fd growth ${fdGrowth}, RSS ${first.rssMiB.toFixed(1)} -> ${last.rssMiB.toFixed(1)} MiB, ` +
      `registrations ${stats.registrations}, pending ${stats.pendingLaunches}: ${ok ? 'PASS' : 'FAIL'}`,
  );
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
