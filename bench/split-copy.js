'use strict';
// A region's read() into new memory and write() from a buffer, at 1-64 MiB,
// in two children side by side: one where the addon splits large copies
// between two threads (addon/core/large_copy.h), one where it never does
// (ELECTRON_PORT_RENDEZVOUS_SPLIT_COPIES=off). The parent asks them in turn,
// one size at a time, so both see the same machine. This is what the split
// threshold (kSplitCopyBytes) is chosen by.
//
// Then a 64 MiB write() by a child that had been idle for 30 ms, as a
// receiver is before a message comes: on one thread, split with the helper
// placed off the caller's processor (core/seam/copy_helper.h), and split
// with the helper left to the scheduler (=unplaced), which may queue it
// behind the very thread it helps.
//
//   node bench/split-copy.js
//
// As a module: `measureSplitCopy()` resolves to the rows.
const childProcess = require('node:child_process');
const { median, nextMessage, runMeasurement, since } = require('./support');

const MIB = 1024 * 1024;
const SIZES = [MIB, 4 * MIB, 16 * MIB, 24 * MIB, 32 * MIB, 48 * MIB, 64 * MIB, 256 * MIB];
const ROUNDS = 15;

/** The child: times one read() into a new array, or one write(), per ask. */
function runChild() {
  const { SharedMemory } = require('../dist/main');
  const regions = new Map();
  process.on('message', ({ size, op }) => {
    if (!regions.has(size)) {
      const region = SharedMemory.create(size);
      const source = new Uint8Array(size).fill(7);
      region.write(0, source);
      regions.set(size, { region, source });
    }
    const { region, source } = regions.get(size);
    const started = process.hrtime.bigint();
    if (op === 'read') {
      const target = new Uint8Array(size);
      region.read(0, target);
    } else {
      region.write(0, source);
    }
    process.send(since(started));
  });
  process.send('ready');
}

async function child(env) {
  const forked = childProcess.fork(__filename, ['child'], { env: { ...process.env, ...env } });
  if ((await nextMessage(forked)) !== 'ready') throw new Error('the child did not start');
  return forked;
}

async function ask(forked, message) {
  const reply = nextMessage(forked);
  forked.send(message);
  return reply;
}

const IDLE_MS = 30;
const IDLE_ROUNDS = 21;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Median ns of a 64 MiB write() by each child after IDLE_MS of idling, the
 * children asked in a rotating order. */
async function afterIdle(children) {
  const samples = Object.fromEntries(Object.keys(children).map((name) => [name, []]));
  const names = Object.keys(children);
  for (let round = 0; round < IDLE_ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      await sleep(IDLE_MS);
      samples[name].push(await ask(children[name], { size: 64 * MIB, op: 'write' }));
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(samples[name])]));
}

async function measureSplitCopy() {
  const split = await child({});
  const single = await child({ ELECTRON_PORT_RENDEZVOUS_SPLIT_COPIES: 'off' });
  const unplaced = await child({ ELECTRON_PORT_RENDEZVOUS_SPLIT_COPIES: 'unplaced' });
  const rows = [];
  try {
    for (const size of SIZES) {
      const row = { size };
      for (const op of ['read', 'write']) {
        const samples = { split: [], single: [] };
        for (let round = 0; round < ROUNDS; round++) {
          // Alternate which goes first, so neither always follows the other.
          const order = round % 2 ? ['split', 'single'] : ['single', 'split'];
          for (const name of order) {
            samples[name].push(await ask(name === 'split' ? split : single, { size, op }));
          }
        }
        row[op] = { split: median(samples.split), single: median(samples.single) };
      }
      rows.push(row);
    }
    rows.idle = await afterIdle({ single, unplaced, split });
  } finally {
    split.kill();
    single.kill();
    unplaced.kill();
  }
  return rows;
}

function report(rows) {
  console.log(
    'size     read() into new memory: 1 thread  2 threads  gain | write(): 1 thread  2 threads  gain',
  );
  const gb = (size, ns) => (size / ns).toFixed(2).padStart(6);
  for (const { size, read, write } of rows) {
    console.log(
      `${String(size / MIB).padStart(3)} MiB  ${' '.repeat(23)}${gb(size, read.single)} GB/s ${gb(size, read.split)} GB/s ` +
        `${(read.single / read.split).toFixed(2)}x | ${gb(size, write.single)} GB/s ${gb(size, write.split)} GB/s ` +
        `${(write.single / write.split).toFixed(2)}x`,
    );
  }
  const { idle } = rows;
  if (idle) {
    const ms = (ns) => (ns / 1e6).toFixed(2);
    console.log(
      `64 MiB write() after ${IDLE_MS} ms idle: 1 thread ${ms(idle.single)} ms, ` +
        `split with the helper left to the scheduler ${ms(idle.unplaced)} ms (${(idle.single / idle.unplaced).toFixed(2)}x), ` +
        `placed off the caller's processor ${ms(idle.split)} ms (${(idle.single / idle.split).toFixed(2)}x)`,
    );
  }
}

module.exports = { measureSplitCopy, report };

if (require.main === module) {
  if (process.argv[2] === 'child') {
    runChild();
  } else {
    runMeasurement(measureSplitCopy(), report);
  }
}
