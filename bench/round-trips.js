'use strict';
// Tiny round trips to a child, for bench/payloads.js: a channel, beside
// child_process IPC, a socketpair between two Node event loops (the floor
// for any transport delivered to JS) and the C floor of a socketpair
// (bench/socketpair-floor.c: what the kernel alone costs, blocking and
// waking through epoll). All are measured in one placement of the two
// sides (bench/placement.js), alternating over three rounds; each keeps
// the median of its rounds' p50 and p99.
const childProcess = require('node:child_process');
const { median, nextEvent, nextMessage, summarize } = require('./support');
const { place } = require('./placement');

const WARMUP = 200;
const SAMPLES = 2000;
const ROUNDS = 3;

async function measure(send, next) {
  const samples = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const started = process.hrtime.bigint();
    const reply = next();
    send();
    await reply;
    if (i >= WARMUP) samples.push(Number(process.hrtime.bigint() - started));
  }
  return summarize(samples);
}

/** A one-byte ping over Node's stdio pipes, which libuv makes with
 * socketpair() (the child checks its stdin is a socket). */
async function nodeFloor(childScript, placement) {
  const child = childProcess.spawn(process.execPath, [childScript, 'echo'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    place(placement, child.pid);
    const ping = Buffer.from('p');
    return await measure(
      () => child.stdin.write(ping),
      () => nextEvent(child.stdout, 'data', child),
    );
  } finally {
    child.kill();
  }
}

async function ipc(childScript, placement) {
  const child = childProcess.fork(childScript, ['ipc']);
  try {
    place(placement, child.pid);
    return await measure(
      () => child.send('ping'),
      () => nextMessage(child),
    );
  } finally {
    child.kill();
  }
}

function cFloor(binary, mode, placement) {
  const cpus = placement.parent === null ? [] : [String(placement.parent), String(placement.child)];
  const out = childProcess.execFileSync(binary, [String(WARMUP), String(SAMPLES), mode, ...cpus], {
    encoding: 'utf8',
  });
  const [, p50, p99] = /p50_us=([\d.]+) p99_us=([\d.]+)/.exec(out);
  return { p50: Number(p50), p99: Number(p99) };
}

/**
 * Every round trip in `placement`. `channel` is an open end whose peer,
 * process `channelChildPid`, echoes 'ping'; `floorBinary` is the built C
 * floor or undefined.
 */
async function measureRoundTrips({
  placement,
  channel,
  nextOnChannel,
  channelChildPid,
  childScript,
  floorBinary,
}) {
  const runs = { channel: [], ipc: [], nodeFloor: [], cFloor: [], cFloorEpoll: [] };
  for (let round = 0; round < ROUNDS; round++) {
    place(placement, channelChildPid);
    runs.channel.push(
      await measure(
        () => channel.postMessage('ping'),
        () => nextOnChannel(channel),
      ),
    );
    runs.nodeFloor.push(await nodeFloor(childScript, placement));
    runs.ipc.push(await ipc(childScript, placement));
    if (floorBinary) {
      runs.cFloor.push(cFloor(floorBinary, 'blocking', placement));
      runs.cFloorEpoll.push(cFloor(floorBinary, 'epoll', placement));
    }
  }
  const result = {};
  for (const [name, list] of Object.entries(runs)) {
    if (list.length === 0) continue;
    result[name] = { p50: median(list.map((r) => r.p50)), p99: median(list.map((r) => r.p99)) };
  }
  return result;
}

module.exports = { measureRoundTrips };
