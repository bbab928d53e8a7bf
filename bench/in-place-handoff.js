'use strict';
// The 64 MiB hand-off to a child with external ArrayBuffers forbidden, as
// inside Electron's V8 memory cage: the child is started with
// ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy, which refuses them exactly
// as Electron does. Side by side, in one run:
//   - views in place: the parent writes through its view, says so, and the
//     child reads in place (a byte of every page summed, a few checked);
//     and the same with the data already in the view (a producer that
//     writes straight into it makes no copy at all);
//   - copy mode: the parent write()s, the child read()s all of it out;
//   - child_process serialization: 'advanced' (send + ack);
//   - two memcpys (TypedArray.set), the floor of any copy path.
// Each is the median of several runs; ratios are against 'advanced' from
// the same run. `node bench/in-place-handoff.js` runs it alone; the module
// exports measureInPlaceHandoff() for bench/payloads.js.
const childProcess = require('node:child_process');
const crypto = require('node:crypto');

const BYTES = 64 * 1024 * 1024;
const PAGE = 4096;
const RUNS = 7;
const ADVANCED_RUNS = 5;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const since = (started) => Number(process.hrtime.bigint() - started);
const nextMessage = (child) => new Promise((resolve) => child.once('message', resolve));

/** The child: takes the region (key 1), answers each 'view' or 'copy'
 * command once it has read the region that way. */
function childMain() {
  const { RendezvousClient, SharedMemory } = require('../dist/preload');
  const region = RendezvousClient.instance().takeSharedMemory(1);
  if (!SharedMemory.zeroCopySupported) throw new Error('views in place do not work in the child');
  let refused = false;
  try {
    void region.buffer;
  } catch (error) {
    refused = error.code === 'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE';
  }
  if (!refused) throw new Error('the child allowed external buffers');
  const copy = Buffer.alloc(region.byteLength);
  process.on('message', ({ how, expect }) => {
    let sum = 0;
    let first;
    let last;
    if (how === 'view') {
      const view = region.view();
      for (let offset = 0; offset < view.length; offset += PAGE) sum += view[offset];
      first = view[0];
      last = view[view.length - 1];
    } else {
      region.read(0, copy);
      for (let offset = 0; offset < copy.length; offset += PAGE) sum += copy[offset];
      first = copy[0];
      last = copy[copy.length - 1];
    }
    process.send({ ok: sum === expect.sum && first === expect.first && last === expect.last });
  });
  process.send('ready');
}

async function handoff(child, how, write, source) {
  const expect = { sum: 0, first: source[0], last: source[source.length - 1] };
  for (let offset = 0; offset < source.length; offset += PAGE) expect.sum += source[offset];
  const runs = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const started = process.hrtime.bigint();
    write();
    const done = nextMessage(child);
    child.send({ how, expect });
    if (!(await done).ok) throw new Error(`the child read other bytes (${how})`);
    if (i >= 1) runs.push(since(started));
  }
  return median(runs);
}

async function measureAdvanced(source) {
  const child = childProcess.fork(__filename, ['ack'], { serialization: 'advanced' });
  try {
    const runs = [];
    for (let i = 0; i < ADVANCED_RUNS + 1; i++) {
      const started = process.hrtime.bigint();
      const ack = nextMessage(child);
      child.send(source);
      await ack;
      if (i >= 1) runs.push(since(started));
    }
    return median(runs);
  } finally {
    child.kill();
  }
}

function measureTwoMemcpys(source) {
  const target = Buffer.alloc(source.length);
  const runs = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const started = process.hrtime.bigint();
    target.set(source);
    source.set(target);
    if (i >= 1) runs.push(since(started));
  }
  return median(runs);
}

/** Runs the hand-offs and returns their medians in nanoseconds. */
async function measureInPlaceHandoff() {
  const rendezvous = require('../dist/main');
  const { SharedMemory } = rendezvous;
  const server = rendezvous.RendezvousServer.instance();
  const source = crypto.randomBytes(BYTES);
  const region = SharedMemory.create(BYTES);
  const view = region.view();
  const env = { ...process.env, ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY: 'copy' };
  const child = rendezvous.fork(__filename, ['child'], { ports: { 1: region }, env });
  try {
    if ((await nextMessage(child)) !== 'ready') throw new Error('the child did not start');
    const inPlace = await handoff(child, 'view', () => view.set(source), source);
    // The producer wrote its data straight into the view: no copy at all.
    const alreadyInPlace = await handoff(child, 'view', () => {}, source);
    const copyMode = await handoff(child, 'copy', () => region.write(0, source), source);
    const advanced = await measureAdvanced(source);
    const twoMemcpys = measureTwoMemcpys(source);
    return { bytes: BYTES, inPlace, alreadyInPlace, copyMode, advanced, twoMemcpys };
  } finally {
    child.kill();
    region.close();
    server.stop();
  }
}

function report({ bytes, inPlace, alreadyInPlace, copyMode, advanced, twoMemcpys }) {
  const ms = (ns) => (ns / 1e6).toFixed(2).padStart(9);
  const gbps = (ns) => `${(bytes / ns).toFixed(2)} GB/s`;
  const vs = (ns) => `${(advanced / ns).toFixed(1)}x faster than advanced`;
  console.log(`${bytes / 2 ** 20} MiB hand-off, external buffers forbidden in the child (medians)`);
  const row = (name, ns, note) =>
    console.log(`${name.padEnd(52)}${ms(ns)} ms  ${gbps(ns).padEnd(11)} ${note}`);
  row('views in place: write via view, child reads in place', inPlace, vs(inPlace));
  row('views in place, data already in the view: notify', alreadyInPlace, vs(alreadyInPlace));
  row('copy mode: write(), child read()s all of it', copyMode, vs(copyMode));
  row('two memcpys (the most any copy path can do)', twoMemcpys, vs(twoMemcpys));
  row("child_process serialization: 'advanced'", advanced, '1.0x');
  console.log(
    `goal: in-cage hand-off with the data in place >= 100x advanced: ${advanced / alreadyInPlace >= 100 ? 'met' : 'NOT met'}`,
  );
}

if (require.main === module) {
  if (process.argv[2] === 'child') childMain();
  else if (process.argv[2] === 'ack') process.on('message', () => process.send('ack'));
  else
    measureInPlaceHandoff().then(report, (error) => {
      console.error(error);
      process.exitCode = 1;
    });
}

module.exports = { measureInPlaceHandoff, report };
