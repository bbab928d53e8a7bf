'use strict';
// node bench/payloads.js
//
// Puts the payloads beside what they replace, measured in one run on one
// machine:
//   1. a 64 MiB hand-off to a child: by shared memory (copy in, notify, copy
//      out, one after the other or pipelined in 4 MiB chunks so the child
//      reads one while the parent writes the next; and in place, where only
//      the notification is left), beside child_process with serialization
//      'advanced', beside a plain memcpy;
//   2. a tiny channel round trip beside child_process IPC and socketpair
//      floors (bench/round-trips.js), with both sides on one CPU and on two
//      (bench/placement.js);
//   3. channel throughput in 1 MiB messages;
//   4. the 64 MiB hand-off with external buffers forbidden, as inside
//      Electron's memory cage: views in place beside copy mode, 'advanced'
//      and two memcpys (bench/in-place-handoff.js);
//   5. channel messages of 1 KiB to 256 MiB beside 'advanced', in band and
//      out of line (bench/channel-sweep.js);
//   6. child start with and without the preload, and the cost of
//      registering rights (bench/child-start.js).
// Each part can also be run alone: node bench/<part>.js.
// Goals: hand-off >= 10x faster than 'advanced'; each copy >= 0.7x memcpy
// bandwidth; channel round trip <= 1.3x the socketpair floor, judged against
// the floor between two Node event loops in every placement and shown
// against the C one. A miss is reported, not treated as a failure.
const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Channel, fork, RendezvousServer, SharedMemory } = require('../dist/main');
const { placements } = require('./placement');
const { measureRoundTrips } = require('./round-trips');
const { buildC, median, nextMessage, since } = require('./support');
const inPlaceHandoff = require('./in-place-handoff');
const childStart = require('./child-start');
const channelSweep = require('./channel-sweep');

const MIB = 1024 * 1024;
const HANDOFF_BYTES = 64 * MIB;
const HANDOFF_RUNS = 20;
const ADVANCED_RUNS = 10;
const PIPELINE_CHUNK = 4 * MIB;
const THROUGHPUT_MESSAGES = 256;
const THROUGHPUT_RUNS = 3;
const CHILD = path.join(__dirname, 'payloads-child.js');
const FLOOR_SOURCE = path.join(__dirname, 'socketpair-floor.c');
const live = new Set();

const gbPerSecond = (bytes, ns) => bytes / ns; // bytes per ns = GB/s

function nextOnChannel(channel) {
  return new Promise((resolve, reject) => {
    const onMessage = ({ data }) => {
      channel.off('close', onClose);
      resolve(data);
    };
    const onClose = () => {
      channel.off('message', onMessage);
      reject(new Error('the channel closed'));
    };
    channel.once('message', onMessage);
    channel.once('close', onClose);
  });
}

function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** 64 MiB copied within this process: the bandwidth everything is held to. */
function measureMemcpy(source) {
  const target = new Uint8Array(source.length);
  target.set(source); // first touch
  const runs = [];
  for (let i = 0; i < HANDOFF_RUNS; i++) {
    const started = process.hrtime.bigint();
    target.set(source);
    runs.push(since(started));
  }
  return median(runs);
}

/** Copy in, tell the child, the child copies out, it says done. */
async function measureSharedMemory(region, channel, source) {
  const writes = [];
  const handoffs = [];
  const inPlace = [];
  for (let i = 0; i < HANDOFF_RUNS + 2; i++) {
    const started = process.hrtime.bigint();
    region.write(0, source);
    const wrote = since(started);
    channel.postMessage('read');
    const reply = await nextOnChannel(channel);
    if (reply !== 'done') throw new Error(`child said ${reply}`);
    const total = since(started);
    // In place: the data is already where the child reads it; what is left
    // of the hand-off is telling it so.
    const notified = process.hrtime.bigint();
    channel.postMessage('ping');
    await nextOnChannel(channel);
    if (i >= 2) {
      writes.push(wrote);
      handoffs.push(total);
      inPlace.push(since(notified));
    }
  }
  return { write: median(writes), handoff: median(handoffs), inPlace: median(inPlace) };
}

/** The child reading the region by itself: read time = hand-off - write -
 * a round trip; measured directly instead by timing 'read' minus 'ping'. */
async function measureReadOnly(channel) {
  const reads = [];
  for (let i = 0; i < HANDOFF_RUNS + 2; i++) {
    const started = process.hrtime.bigint();
    channel.postMessage('read');
    await nextOnChannel(channel);
    const total = since(started);
    const pinged = process.hrtime.bigint();
    channel.postMessage('ping');
    await nextOnChannel(channel);
    if (i >= 2) reads.push(total - since(pinged));
  }
  return median(reads);
}

/** The copy path pipelined: the parent writes 4 MiB chunks and names each
 * as it is written, so the child copies one out while the next goes in
 * (and, a chunk being small enough to stay in a shared cache, mostly from
 * there). */
async function measurePipelined(region, channel, source) {
  const runs = [];
  for (let i = 0; i < HANDOFF_RUNS + 2; i++) {
    const started = process.hrtime.bigint();
    const done = nextOnChannel(channel);
    for (let offset = 0; offset < source.length; offset += PIPELINE_CHUNK) {
      const length = Math.min(PIPELINE_CHUNK, source.length - offset);
      region.write(offset, source.subarray(offset, offset + length));
      channel.postMessage(`chunk ${offset} ${length}`);
    }
    if ((await done) !== 'done') throw new Error('the child did not finish');
    if (i >= 2) runs.push(since(started));
  }
  return median(runs);
}

/** child_process with serialization 'advanced': send 64 MiB, wait for ack. */
async function measureAdvanced(source) {
  const child = track(childProcess.fork(CHILD, ['ipc'], { serialization: 'advanced' }));
  const buffer = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  const runs = [];
  for (let i = 0; i < ADVANCED_RUNS + 1; i++) {
    const started = process.hrtime.bigint();
    const ack = nextMessage(child);
    child.send(buffer);
    await ack;
    if (i >= 1) runs.push(since(started));
  }
  child.kill();
  return median(runs);
}

/** 256 messages of 1 MiB, honouring backpressure, then the child's count. */
async function measureThroughput(channel) {
  const message = crypto.randomBytes(MIB);
  const runs = [];
  for (let run = 0; run < THROUGHPUT_RUNS; run++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < THROUGHPUT_MESSAGES; i++) {
      if (!channel.postMessage(message)) await new Promise((resolve) => channel.once('drain', resolve));
    }
    channel.postMessage('count?');
    const count = Number(await nextOnChannel(channel));
    if (count !== THROUGHPUT_MESSAGES * MIB) throw new Error(`child counted ${count} bytes`);
    runs.push(since(started));
  }
  return gbPerSecond(THROUGHPUT_MESSAGES * MIB, median(runs));
}

function row(name, value, unit, note = '') {
  console.log(`${name.padEnd(58)}${value.padStart(12)} ${unit.padEnd(6)} ${note}`);
}

async function main() {
  await measureCopyPaths();
  console.log('');
  if (SharedMemory.zeroCopySupported) inPlaceHandoff.report(await inPlaceHandoff.measureInPlaceHandoff());
  else
    console.log('In-cage hand-off skipped: this platform has no views in place (regions run in copy mode)');
  console.log('');
  channelSweep.report(await channelSweep.measureChannelSweep());
  console.log('');
  // It hands each child a listening net.Server, which Windows cannot carry yet.
  if (process.platform === 'win32') console.log('Child start skipped: Windows hands no net.Server yet');
  else childStart.report(await childStart.measureChildStart());
}

async function measureCopyPaths() {
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs, ${process.platform} ${os.release()}; zero-copy views ` +
      `${SharedMemory.zeroCopySupported ? 'available' : 'unavailable'}`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epr-payloads-'));
  const floorBuild = buildC(FLOOR_SOURCE, dir);
  const where = placements();

  const source = crypto.randomBytes(HANDOFF_BYTES);
  const server = RendezvousServer.instance();
  const region = SharedMemory.create(HANDOFF_BYTES);
  const [channel, childEnd] = Channel.pair();
  const child = track(fork(CHILD, [], { ports: { 1: childEnd, 2: region } }));
  try {
    if ((await nextOnChannel(channel)) !== 'ready') throw new Error('the child did not start');
    const memcpy = measureMemcpy(source);
    const shm = await measureSharedMemory(region, channel, source);
    const read = await measureReadOnly(channel);
    const pipelined = await measurePipelined(region, channel, source);
    const advanced = await measureAdvanced(source);
    const trips = [];
    for (const placement of where.list) {
      trips.push({
        placement,
        result: await measureRoundTrips({
          placement,
          channel,
          nextOnChannel,
          channelChildPid: child.pid,
          childScript: CHILD,
          floorBinary: floorBuild.binary,
        }),
      });
    }
    where.restore(child.pid);
    const throughput = await measureThroughput(channel);

    const ms = (ns) => (ns / 1e6).toFixed(2);
    const memcpyBandwidth = gbPerSecond(HANDOFF_BYTES, memcpy);
    const bandwidthNote = (ns) =>
      `${(gbPerSecond(HANDOFF_BYTES, ns) / memcpyBandwidth).toFixed(2)}x memcpy bandwidth`;
    const vsAdvanced = (ns, digits = 1) => `${(advanced / ns).toFixed(digits)}x faster than advanced`;
    console.log('\n64 MiB hand-off to a child (medians)');
    row('memcpy in this process (TypedArray.set)', ms(memcpy), 'ms', `${memcpyBandwidth.toFixed(1)} GB/s`);
    row('shared memory: write() into the region', ms(shm.write), 'ms', bandwidthNote(shm.write));
    row("shared memory: the child's read() out of it", ms(read), 'ms', bandwidthNote(read));
    // Any copy path makes two full copies: at memcpy speed this is its best.
    row('two memcpys: the most any copy path can do', ms(2 * memcpy), 'ms', vsAdvanced(2 * memcpy));
    row('copy path: write, notify, child reads', ms(shm.handoff), 'ms', vsAdvanced(shm.handoff));
    row(
      `copy path pipelined in ${PIPELINE_CHUNK / MIB} MiB chunks`,
      ms(pipelined),
      'ms',
      vsAdvanced(pipelined),
    );
    row('in place (zero-copy): notify only', ms(shm.inPlace), 'ms', vsAdvanced(shm.inPlace, 0));
    row("child_process serialization:'advanced' send + ack", ms(advanced), 'ms');

    const us = (v) => v.toFixed(1);
    for (const { placement, result } of trips) {
      console.log(`\nTiny round trip, ${placement.name}: p50 (p99), median of 3 alternating runs`);
      const vsFloors = (p50) =>
        `${(p50 / result.nodeFloor.p50).toFixed(2)}x Node floor` +
        (result.cFloor ? `, ${(p50 / result.cFloor.p50).toFixed(2)}x C floor` : '');
      const trip = (name, r, note) => row(name, `${us(r.p50)} (${us(r.p99)})`, 'µs', note);
      trip('channel postMessage', result.channel, vsFloors(result.channel.p50));
      trip('child_process IPC', result.ipc, vsFloors(result.ipc.p50));
      trip('Node floor: socketpair between event loops', result.nodeFloor, vsFloors(result.nodeFloor.p50));
      if (result.cFloor) {
        trip('C floor: socketpair SEQPACKET, blocking', result.cFloor, 'what the kernel alone costs');
        trip('C floor waking through epoll', result.cFloorEpoll, vsFloors(result.cFloorEpoll.p50));
      } else {
        console.log(`  C floor skipped: ${floorBuild.skipped}`);
      }
    }

    console.log('\nChannel throughput, 256 x 1 MiB messages (median of 3)');
    row(
      'channel',
      throughput.toFixed(2),
      'GB/s',
      `${(throughput / memcpyBandwidth).toFixed(2)}x memcpy bandwidth`,
    );

    const goals = [
      [
        'hand-off, copy path one step after the other, >= 10x faster than advanced',
        advanced / shm.handoff >= 10,
      ],
      ['hand-off, copy path pipelined, >= 10x faster than advanced', advanced / pipelined >= 10],
      ['write() >= 0.7x memcpy bandwidth', memcpy / shm.write >= 0.7],
      ['read() >= 0.7x memcpy bandwidth', memcpy / read >= 0.7],
      ...trips.map(({ placement, result }) => [
        `channel round trip <= 1.3x the Node socketpair floor, ${placement.name}`,
        result.channel.p50 / result.nodeFloor.p50 <= 1.3,
      ]),
    ];
    console.log('\nGoals');
    for (const [goal, met] of goals) console.log(`  ${met ? 'met   ' : 'MISSED'} ${goal}`);
  } finally {
    where.restore();
    channel.close();
    region.close();
    for (const running of live) running.kill();
    server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  for (const child of live) child.kill();
  process.exitCode = 1;
});
