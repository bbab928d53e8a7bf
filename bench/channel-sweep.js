'use strict';
// Channel messages of 1 KiB to 256 MiB, parent to child, beside
// child_process.fork with serialization 'advanced' at the same size and a
// memcpy of the same size, all in one run. What is timed, per message: from
// just before the send until the parent has the child's acknowledgement;
// the child acknowledges from inside its 'message' listener, after reading
// the first and the last byte of the data it was given. That is the
// message "delivered": in place in a child that refuses external buffers
// as Electron does (ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy), where the
// data is a view whose pages are the body's mapping; copied once in a child
// in pure copy mode (ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy-only).
//
// Each size is measured on three channels: one that never sends out of line
// ("in-band"), one that always does ("out-of-line"), and one with the
// addon's threshold (addon/core/limits.h kOutOfLineMessageBytes): the first
// two show the crossover the threshold is chosen by.
//
//   node bench/channel-sweep.js            the sweep and the goals
//   node bench/channel-sweep.js --quick    fewer repetitions
//
// As a module: `measureChannelSweep({ quick })` resolves to the rows.
const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const os = require('node:os');
const { median, nextMessage, runMeasurement, since } = require('./support');

const KIB = 1024;
const MIB = 1024 * KIB;
const SIZES = [];
for (let size = KIB; size <= 256 * MIB; size *= 4) SIZES.push(size);
const OUT_OF_LINE_VARIABLE = 'ELECTRON_PORT_RENDEZVOUS_OUT_OF_LINE_BYTES';
const KEYS = { 'in-band': 1, 'out-of-line': 2, channel: 3 };

/** Repetitions at `size`: enough for a stable median, bounded in bytes. */
function repetitions(size, quick) {
  const byBytes = Math.ceil(((quick ? 256 : 1024) * MIB) / size);
  return Math.max(quick ? 3 : 5, Math.min(quick ? 50 : 200, byBytes));
}

const gbPerSecond = (bytes, ns) => bytes / ns;

function firstAndLast(data) {
  return data[0] + data[data.length - 1];
}

/** The child: acknowledges each message on the channel (or IPC) it came by. */
function runChild() {
  if (process.argv[3] === 'ipc') {
    process.on('message', (data) => process.send(firstAndLast(data)));
    process.send('ready');
    return;
  }
  const { RendezvousClient } = require('../dist/preload');
  const client = RendezvousClient.instance();
  for (const key of Object.values(KEYS)) {
    const channel = client.takeChannel(key);
    channel.on('message', ({ data }) => channel.postMessage(String(firstAndLast(data))));
    channel.postMessage('ready');
  }
}

const nextOn = (channel) => new Promise((resolve) => channel.once('message', ({ data }) => resolve(data)));

// Sends before the timed ones, on every path alike: a stream of large
// messages reaches its steady state once the sender's pool of bodies (up to
// 16 per end, each filled by pwrite when new and mapped on first reuse) is
// warm; the first sends of a size pay for new pages, which on a VM can cost
// 5-10x a warm copy.
const WARM_UP = 8;

/** ns from just before `send()` until `next()` resolves. */
async function timeOne(send, next) {
  const started = process.hrtime.bigint();
  const ack = next();
  send();
  await ack;
  return since(started);
}

/** Median ns per path of `runs` sends each, after WARM_UP untimed ones,
 * the paths taking turns message by message in an order that rotates. A
 * path with `runs` below the others' stops taking turns when it has them. */
async function timedInTurns(paths) {
  for (const path of paths) for (let i = 0; i < WARM_UP; i++) await timeOne(path.send, path.next);
  const samples = paths.map(() => []);
  const most = Math.max(...paths.map((path) => path.runs));
  for (let round = 0; round < most; round++) {
    for (let k = 0; k < paths.length; k++) {
      const index = (round + k) % paths.length;
      const path = paths[index];
      if (samples[index].length < path.runs) samples[index].push(await timeOne(path.send, path.next));
    }
  }
  return samples.map(median);
}

function memcpy(source, runs) {
  const target = Buffer.alloc(source.length);
  target.set(source); // faulted in, as a warm copy target
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    target.set(source);
    samples.push(since(started));
  }
  return median(samples);
}

/** A copy into new memory each time: what any delivery into new pages
 * (a body's memfd, a receiver's buffer) costs at least. */
function freshMemcpy(source, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    new Uint8Array(source.length).set(source);
    samples.push(since(started));
  }
  return median(samples);
}

/** The two copies any copy-mode delivery makes at least, as the addon makes
 * them: out of the sender's buffer into a warm region (`write()`), then out
 * of the region into new memory (`read()`), both split between two threads
 * from 32 MiB (addon/core/large_copy.h). No process boundary, no frames. */
function twoCopies(source, runs) {
  const { SharedMemory } = require('../dist/main');
  const region = SharedMemory.create(source.length);
  region.write(0, source); // faulted in, as a pooled body is
  const samples = [];
  try {
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      region.write(0, source);
      region.read(0, new Uint8Array(source.length));
      samples.push(since(started));
    }
  } finally {
    region.close();
  }
  return median(samples);
}

/** A child with channels of each kind, started with `env`. */
async function channelChild(env) {
  const { Channel, fork } = require('../dist/main');
  const ends = {};
  const ports = {};
  for (const [name, key] of Object.entries(KEYS)) {
    // The threshold is read when an end is made: 0 never, 1 always.
    if (name === 'in-band') process.env[OUT_OF_LINE_VARIABLE] = '0';
    else if (name === 'out-of-line') process.env[OUT_OF_LINE_VARIABLE] = '1';
    else delete process.env[OUT_OF_LINE_VARIABLE];
    const [mine, theirs] = Channel.pair();
    ends[name] = mine;
    ports[key] = theirs;
  }
  delete process.env[OUT_OF_LINE_VARIABLE];
  const child = fork(__filename, ['child', 'channel'], { ports, env: { ...process.env, ...env } });
  await Promise.all(
    Object.values(ends).map(async (end) => {
      if ((await nextOn(end)) !== 'ready') throw new Error('the child did not start');
    }),
  );
  return { child, ends };
}

async function advancedChild() {
  const child = childProcess.fork(__filename, ['child', 'ipc'], { serialization: 'advanced' });
  if ((await nextMessage(child)) !== 'ready') throw new Error('the child did not start');
  return child;
}

async function measureChannelSweep({ quick = false } = {}) {
  const { RendezvousServer } = require('../dist/main');
  RendezvousServer.instance();
  const inPlace = await channelChild({ ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY: 'copy' });
  const copy = await channelChild({ ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY: 'copy-only' });
  const advanced = await advancedChild();
  const rows = [];
  try {
    for (const size of SIZES) {
      const source = crypto.randomBytes(size);
      const expected = String(firstAndLast(source));
      const runs = repetitions(size, quick);
      const row = {
        size,
        memcpy: gbPerSecond(size, memcpy(source, runs)),
        freshMemcpy: gbPerSecond(size, freshMemcpy(source, runs)),
        twoCopies: gbPerSecond(size, twoCopies(source, runs)),
      };
      const paths = [];
      for (const [mode, side] of [
        ['inPlace', inPlace],
        ['copy', copy],
      ]) {
        for (const [name, end] of Object.entries(side.ends)) {
          paths.push({
            mode,
            name,
            runs,
            send: () => end.postMessage(source),
            next: async () => {
              const ack = await nextOn(end);
              if (ack !== expected) throw new Error(`the child read ${ack}, not ${expected}`);
            },
          });
        }
      }
      paths.push({
        mode: 'advanced',
        runs: Math.min(runs, quick ? 5 : 20),
        send: () => advanced.send(source),
        next: () => nextMessage(advanced),
      });
      // Below 1 MiB the paths take turns: a message costs tens of
      // microseconds, a whole run of one path lasts a few milliseconds, and
      // a slow spell of this VM (several times the usual latency, as long)
      // would fall on whichever path ran then. From 1 MiB each path runs on
      // its own, as a stream: its steady state is a warm pool of bodies,
      // which messages of other paths in between would make it lose.
      let medians;
      if (size < MIB) {
        medians = await timedInTurns(paths);
      } else {
        medians = [];
        for (const path of paths) medians.push(...(await timedInTurns([path])));
      }
      row.inPlace = {};
      row.copy = {};
      paths.forEach((path, index) => {
        const rate = gbPerSecond(size, medians[index]);
        if (path.mode === 'advanced') row.advanced = rate;
        else row[path.mode][path.name] = rate;
      });
      rows.push(row);
    }
  } finally {
    inPlace.child.kill();
    copy.child.kill();
    advanced.kill();
    for (const side of [inPlace, copy]) for (const end of Object.values(side.ends)) end.close();
  }
  return rows;
}

function label(size) {
  return size >= MIB ? `${size / MIB} MiB` : `${size / KIB} KiB`;
}

/** Prints the table and checks the goals; returns whether they were met. */
function report(rows) {
  const f = (value) => value.toFixed(2).padStart(7);
  console.log(
    'GB/s, delivered (child read first and last byte, acknowledged); ratios of the threshold channel\n' +
      'size      memcpy fresh | in place: in-band  out-of-l channel | copy: in-band  out-of-l channel | advanced | ' +
      'in-place/memcpy copy/advanced',
  );
  for (const row of rows) {
    console.log(
      `${label(row.size).padEnd(9)} ${f(row.memcpy)} ${f(row.freshMemcpy)} |         ${f(row.inPlace['in-band'])}  ${f(
        row.inPlace['out-of-line'],
      )}  ${f(row.inPlace.channel)} |     ${f(row.copy['in-band'])}  ${f(row.copy['out-of-line'])}  ${f(
        row.copy.channel,
      )} |  ${f(row.advanced)} |    ${(row.inPlace.channel / row.memcpy).toFixed(2).padStart(5)}x ` +
        `${(row.copy.channel / row.advanced).toFixed(1).padStart(8)}x`,
    );
  }
  const at64 = rows.find((row) => row.size === 64 * MIB);
  const goals = [];
  if (at64) {
    goals.push([
      `64 MiB in copy mode >= 5x advanced (its two copies alone, in one process: ${(at64.twoCopies / at64.advanced).toFixed(2)}x)`,
      at64.copy.channel / at64.advanced,
      5,
    ]);
    goals.push(['64 MiB delivered in place >= 0.5x memcpy', at64.inPlace.channel / at64.memcpy, 0.5]);
  }
  for (const mode of ['inPlace', 'copy']) {
    let worst = 0;
    let where = '';
    for (let i = 1; i < rows.length; i++) {
      const slowdown = rows[i - 1][mode].channel / rows[i][mode].channel;
      if (slowdown > worst) {
        worst = slowdown;
        where = `${label(rows[i].size)} vs ${label(rows[i - 1].size)}`;
      }
    }
    // Inverted so that "at least" reads the same: 1.5x slower per byte at most.
    goals.push([
      `${mode === 'inPlace' ? 'in place' : 'copy mode'}: no size > 1.5x slower per byte than the one below (worst ${where}: ${worst.toFixed(2)}x)`,
      1.5 / worst,
      1,
    ]);
  }
  let met = true;
  for (const [what, value, goal] of goals) {
    const ok = value >= goal;
    met = met && ok;
    console.log(`${ok ? 'MET   ' : 'MISSED'} ${what}: ${value.toFixed(2)} (goal ${goal})`);
  }
  return met;
}

module.exports = { measureChannelSweep, report };

if (require.main === module) {
  if (process.argv[2] === 'child') {
    runChild();
  } else {
    console.log(`node ${process.version}, ${os.cpus().length} CPUs, ${os.platform()} ${os.release()}`);
    runMeasurement(measureChannelSweep({ quick: process.argv.includes('--quick') }), report);
  }
}
