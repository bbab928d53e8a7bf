'use strict';
// A region's read() into new memory and write() from a buffer, at 1-64 MiB,
// in two children side by side: one where the addon splits large copies
// between two threads (addon/core/large_copy.h), one where it never does
// (ELECTRON_PORT_RENDEZVOUS_SPLIT_COPIES=off). The parent asks them in turn,
// one size at a time, so both see the same machine. This is what the split
// threshold (kSplitCopyBytes) is chosen by.
//
//   node bench/split-copy.js
//
// As a module: `measureSplitCopy()` resolves to the rows.
const childProcess = require('node:child_process');
const { median, nextMessage, runMeasurement } = require('./support');

const MIB = 1024 * 1024;
const SIZES = [MIB, 4 * MIB, 16 * MIB, 24 * MIB, 32 * MIB, 48 * MIB, 64 * MIB, 256 * MIB];
const ROUNDS = 15;

const since = (started) => Number(process.hrtime.bigint() - started);

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

async function measureSplitCopy() {
  const split = await child({});
  const single = await child({ ELECTRON_PORT_RENDEZVOUS_SPLIT_COPIES: 'off' });
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
  } finally {
    split.kill();
    single.kill();
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
}

module.exports = { measureSplitCopy, report };

if (require.main === module) {
  if (process.argv[2] === 'child') {
    runChild();
  } else {
    runMeasurement(measureSplitCopy(), report);
  }
}
