'use strict';
// node bench/child-start.js
//
// What the preload costs a child, side by side in one run:
//   1. one child at a time, 50 launches each way, interleaved: a bare
//      `child_process.fork` followed by `child.send(server)`, against
//      `fork(path, { ports: { 1: server } })` with the preload. Timed from
//      just before the fork call to the child's first IPC message, which the
//      child sends as soon as its module runs (it does not use the server on
//      either side); the ratio is of the medians.
//   2. the same with the handle used: the bare child waits for the server in
//      its first message, ours takes it with `takeServer(1)` (the lazy
//      rendezvous), then each reports; timed the same way.
//   3. 200 children launched at once, both ways (as in 1), timed from the
//      first fork call until all 200 have reported; rounds alternate, the
//      median round is kept.
//   4. registration: `prepareLaunch` of 1, 8 and 64 'copy' rights (then
//      cancelled, outside the clock), per right, beside a C floor of the
//      system calls a copy registration cannot avoid (one F_DUPFD_CLOEXEC
//      per right).
// The goals (1 within 1.03x, 3 within 1.05x, 4 under 0.5 µs per right at 64)
// are reported, not enforced.
const childProcess = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const LAUNCHES = 50;
const WARMUP_LAUNCHES = 3;
const FAN_OUT = 200;
const FAN_OUT_ROUNDS = 3;
const REGISTRATION_SIZES = [1, 8, 64];
const REGISTRATION_SAMPLES = 2000;
const START_GOAL = 1.03;
const FAN_OUT_GOAL = 1.05;
const PER_RIGHT_GOAL_US = 0.5;

/** The child: `ready` reports at once; `take-bare` and `take-ours` first
 * get the listening server (from the IPC message, or by rendezvous). */
function runChild(mode) {
  // The parent says when to go; the child leaves by closing its end. A
  // server it was sent and does not use is closed, as ours is never taken.
  process.on('message', (message, handle) => {
    if (message === 'stop') process.disconnect();
    else if (mode !== 'take-bare') handle?.close();
  });
  if (mode === 'ready') {
    process.send('ready');
  } else if (mode === 'take-bare') {
    process.once('message', (message, server) => {
      process.send(server ? 'ready' : 'no server');
      server?.close();
    });
  } else {
    const { RendezvousClient } = require('../dist/preload');
    const server = RendezvousClient.instance()?.takeServer(1);
    process.send(server ? 'ready' : `no server: ${RendezvousClient.lastError?.code}`);
    server?.close();
  }
}

const REGISTRATION_FLOOR_C = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static long long now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}
static int cmp(const void* a, const void* b) {
  long long x = *(const long long*)a, y = *(const long long*)b;
  return x < y ? -1 : x > y;
}
int main(int argc, char** argv) {
  int samples = atoi(argv[1]);
  int source = open("/dev/null", O_RDONLY | O_CLOEXEC);
  long long* times = malloc(sizeof(long long) * (size_t)samples);
  int fds[64];
  for (int a = 2; a < argc; ++a) {
    int n = atoi(argv[a]);
    for (int s = 0; s < samples; ++s) {
      long long start = now();
      for (int i = 0; i < n; ++i) fds[i] = fcntl(source, F_DUPFD_CLOEXEC, 0);
      times[s] = now() - start;
      for (int i = 0; i < n; ++i) close(fds[i]);
    }
    qsort(times, (size_t)samples, sizeof(long long), cmp);
    printf("rights=%d p50_ns=%lld\n", n, times[(samples - 1) / 2]);
  }
  return 0;
}
`;

/** Resolves with the child's first message, rejects if it exits first. */
function firstMessage(child) {
  const { nextMessage } = require('./support');
  return nextMessage(child).then((message) => {
    if (message !== 'ready') throw new Error(`child ${child.pid}: ${message}`);
  });
}

/** The child closes its end (after the server's message, on the bare
 * side: the parent must not close first while Node waits for the handle's
 * acknowledgement), its event loop empties, and it exits with 0. */
function stop(child) {
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`child ${child.pid} exited with ${code ?? signal}`)),
    );
    child.send('stop');
  });
}

/** The two ways to launch a child that gets `server`. */
function launchers(server) {
  const { fork } = require('../dist/main');
  return {
    bare(mode) {
      const child = childProcess.fork(__filename, ['child', mode === 'take' ? 'take-bare' : 'ready']);
      child.send('server', server);
      return child;
    },
    ours(mode) {
      return fork(__filename, ['child', mode === 'take' ? 'take-ours' : 'ready'], {
        ports: { 1: server },
      });
    },
  };
}

/** Median ms from the fork call to the child's first message, per side;
 * the sides take turns. */
async function oneAtATime(launch, mode) {
  const samples = { bare: [], ours: [] };
  for (let i = 0; i < WARMUP_LAUNCHES + LAUNCHES; i++) {
    for (const side of i % 2 ? ['ours', 'bare'] : ['bare', 'ours']) {
      const started = process.hrtime.bigint();
      const child = launch[side](mode);
      await firstMessage(child);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      await stop(child);
      if (i >= WARMUP_LAUNCHES) samples[side].push(ms);
    }
  }
  const { median } = require('./support');
  return { bare: median(samples.bare), ours: median(samples.ours) };
}

/** Median ms, over rounds, for FAN_OUT children to have all reported. */
async function fanOut(launch) {
  const rounds = { bare: [], ours: [] };
  for (let round = 0; round < FAN_OUT_ROUNDS; round++) {
    for (const side of round % 2 ? ['ours', 'bare'] : ['bare', 'ours']) {
      const started = process.hrtime.bigint();
      const children = Array.from({ length: FAN_OUT }, () => launch[side]('ready'));
      await Promise.all(children.map(firstMessage));
      rounds[side].push(Number(process.hrtime.bigint() - started) / 1e6);
      await Promise.all(children.map(stop));
    }
  }
  const { median } = require('./support');
  return { bare: median(rounds.bare), ours: median(rounds.ours) };
}

/** Median ns of one prepareLaunch of `count` copy rights. */
function registration(server, source, count) {
  const ports = {};
  for (let key = 0; key < count; key++) ports[key] = { fd: source, disposition: 'copy' };
  const samples = [];
  for (let i = 0; i < REGISTRATION_SAMPLES; i++) {
    const started = process.hrtime.bigint();
    const launch = server.prepareLaunch(ports);
    samples.push(Number(process.hrtime.bigint() - started));
    launch.cancel();
  }
  const { median } = require('./support');
  return median(samples);
}

/** { [rights]: p50 ns } of the C floor, or why it was skipped. */
function registrationFloor() {
  const { buildC } = require('./support');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epr-registration-'));
  try {
    const source = path.join(dir, 'registration-floor.c');
    fs.writeFileSync(source, REGISTRATION_FLOOR_C);
    const build = buildC(source, dir);
    if (!build.binary) return { skipped: build.skipped };
    const out = childProcess.execFileSync(
      build.binary,
      [REGISTRATION_SAMPLES, ...REGISTRATION_SIZES].map(String),
      { encoding: 'utf8' },
    );
    const floor = {};
    for (const [, rights, ns] of out.matchAll(/rights=(\d+) p50_ns=(\d+)/g)) floor[rights] = Number(ns);
    return { floor };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every measure; `{ start, take, fanOut, registration }`. */
async function measureChildStart() {
  const { RendezvousServer } = require('../dist/main');
  const rendezvous = RendezvousServer.instance();
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const source = fs.openSync('/dev/null', 'r');
  try {
    const launch = launchers(server);
    const start = await oneAtATime(launch, 'ready');
    const take = await oneAtATime(launch, 'take');
    const fan = await fanOut(launch);
    const perCount = {};
    for (const count of REGISTRATION_SIZES) perCount[count] = registration(rendezvous, source, count);
    return { start, take, fanOut: fan, registration: { ours: perCount, ...registrationFloor() } };
  } finally {
    fs.closeSync(source);
    server.close();
    rendezvous.stop();
  }
}

function report(result) {
  const ratio = (side) => side.ours / side.bare;
  const verdict = (value, goal) =>
    `${value.toFixed(3)}x (goal ≤ ${goal}x: ${value <= goal ? 'MET' : 'NOT MET'})`;
  const ms = (value) => `${value.toFixed(2)} ms`.padStart(12);
  console.log(`${'child start'.padEnd(58)}${'bare'.padStart(12)}${'ours'.padStart(12)}  ours/bare`);
  const row = (name, side, goal) =>
    console.log(
      `${name.padEnd(58)}${ms(side.bare)}${ms(side.ours)}  ${goal ? verdict(ratio(side), goal) : `${ratio(side).toFixed(3)}x`}`,
    );
  row(`fork to first message, median of ${LAUNCHES}`, result.start, START_GOAL);
  row(`fork to first message, server taken, median of ${LAUNCHES}`, result.take);
  row(`${FAN_OUT} children at once, all reported, median of ${FAN_OUT_ROUNDS}`, result.fanOut, FAN_OUT_GOAL);
  console.log();
  const { ours, floor, skipped } = result.registration;
  console.log(
    `${'registration (prepareLaunch, copy)'.padEnd(38)}${'µs'.padStart(9)}${'µs/right'.padStart(10)}${'C floor µs/right'.padStart(18)}`,
  );
  for (const count of REGISTRATION_SIZES) {
    const us = ours[count] / 1000;
    const floorCell = floor ? (floor[count] / 1000 / count).toFixed(3) : '-';
    console.log(
      `${`${count} right${count === 1 ? '' : 's'}`.padEnd(38)}${us.toFixed(2).padStart(9)}${(us / count).toFixed(3).padStart(10)}${floorCell.padStart(18)}`,
    );
  }
  if (skipped) console.log(`C floor skipped (${skipped})`);
  const at64 = ours[64] / 1000 / 64;
  console.log(
    `Goal: registration under ${PER_RIGHT_GOAL_US} µs per right at 64: ${at64.toFixed(3)} µs ${at64 < PER_RIGHT_GOAL_US ? 'MET' : 'NOT MET'}`,
  );
}

if (require.main === module && process.argv[2] === 'child') {
  runChild(process.argv[3]);
} else if (require.main === module) {
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, Linux ${os.release()}`);
  measureChildStart()
    .then(report)
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}

module.exports = { measureChildStart, report };
