'use strict';
// node bench/rendezvous.js
//
// Puts three latencies side by side, measured in one run on one machine:
//   1. our rendezvous round trip (warm, 1 and 16 fds; and the cold first one),
//   2. the C floor: the same protocol in plain syscalls (bench/floor.c; on
//      Windows bench/win32-floor.c, cross-built by scripts/bench-win32.js,
//      which names it in RENDEZVOUS_FLOOR_BINARY),
//   3. a tiny child_process IPC round trip, for scale.
// The goal is our warm p50 within 1.5x of the floor; missing it is reported,
// not treated as a failure.
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork, RendezvousServer } = require('../dist/main');
const { buildC, median, nextMessage, summarize } = require('./support');

const WARMUP = 50;
const SAMPLES = 1000;
const COLD_CHILDREN = 10;
const SIZES = [1, 16];
const GOAL_RATIO = 1.5;
const CHILD = path.join(__dirname, 'rendezvous-child.js');
const FLOOR_SOURCE = path.join(__dirname, 'floor.c');
const FLOOR_BINARY_VARIABLE = 'RENDEZVOUS_FLOOR_BINARY';
// Children still running; killed if the bench fails, so it cannot hang.
const live = new Set();
const fds = (count) => `${count} fd${count === 1 ? '' : 's'}`;

/** Launches a child with our fork() and waits for its cold rendezvous. */
async function startChild(server, ports) {
  const child = fork(CHILD, [server.endpoint], { ports });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const ready = await nextMessage(child);
  if (ready.error) throw new Error(`child rendezvous failed: ${ready.error}`);
  return { child, coldMs: ready.coldMs };
}

/** Disconnecting lets the child's event loop empty; it must exit with 0. */
async function stopChild(child) {
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  child.disconnect();
  const status = await exited;
  if (status !== 0) throw new Error(`child ${child.pid} exited with ${status}`);
}

/** Round-trips the child's raw native client, the sizes taking turns (as in
 * floor.c) so a change in scheduling affects them alike. */
async function measureWarm(server, child, sources) {
  const samples = new Map(SIZES.map((count) => [count, []]));
  for (let i = 0; i < (WARMUP + SAMPLES) * SIZES.length; i++) {
    const count = SIZES[i % SIZES.length];
    // 'copy': the server keeps its own dup, so the same fds serve every round.
    const ports = {};
    for (let key = 0; key < count; key++) ports[key] = { fd: sources[key], disposition: 'copy' };
    server.registerPortsForPid(child.pid, ports);
    const reply = nextMessage(child);
    child.send({ type: 'go' });
    const { ns, count: received } = await reply;
    if (received !== count) throw new Error(`child received ${received} fds, not ${count}`);
    if (i >= WARMUP * SIZES.length) samples.get(count).push(ns);
  }
  return Object.fromEntries(SIZES.map((count) => [count, summarize(samples.get(count))]));
}

/** Median of the preload's first rendezvous, over fresh children. */
async function measureCold(server, source) {
  const coldMs = [];
  for (let i = 0; i < COLD_CHILDREN; i++) {
    const { child, coldMs: ms } = await startChild(server, { 0: { fd: source, disposition: 'copy' } });
    coldMs.push(ms);
    await stopChild(child);
  }
  return { p50: summarize(coldMs.map((ms) => ms * 1e6)).p50, p99: undefined, n: coldMs.length };
}

/** process.send → 'message' → process.send → 'message', timed in the parent. */
async function measureIpc(child) {
  const samples = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const reply = nextMessage(child);
    const started = process.hrtime.bigint();
    child.send({ type: 'ping' });
    await reply;
    if (i >= WARMUP) samples.push(Number(process.hrtime.bigint() - started));
  }
  return summarize(samples);
}

/** One run of the floor: { [fds]: { p50, p99 } } in µs. */
function runFloor(binary) {
  const out = childProcess.execFileSync(binary, [WARMUP, SAMPLES, ...SIZES].map(String), {
    encoding: 'utf8',
    timeout: 60000,
  });
  const result = {};
  // floor.c counts fds, win32-floor.c handles.
  for (const [, fds, p50, p99] of out.matchAll(/(?:fds|handles)=(\d+) p50_us=([\d.]+) p99_us=([\d.]+)/g)) {
    result[fds] = { p50: Number(p50), p99: Number(p99) };
  }
  return result;
}

/** Per size, the median over runs of p50 and of p99. */
function medianOfRuns(runs) {
  return Object.fromEntries(
    SIZES.map((count) => [
      count,
      {
        p50: median(runs.map((run) => run[count].p50)),
        p99: median(runs.map((run) => run[count].p99)),
      },
    ]),
  );
}

function printTable(rows) {
  const cell = (value) => (value === undefined ? '-' : value.toFixed(1));
  const ratio = (value) => (value === undefined ? '-' : `${value.toFixed(2)}x`);
  console.log(
    `${'measure'.padEnd(48)}${'p50 µs'.padStart(10)}${'p99 µs'.padStart(10)}${'p50/floor'.padStart(11)}`,
  );
  for (const { name, p50, p99, floorP50 } of rows) {
    const r = floorP50 === undefined ? undefined : p50 / floorP50;
    console.log(
      `${name.padEnd(48)}${cell(p50).padStart(10)}${cell(p99).padStart(10)}${ratio(r).padStart(11)}`,
    );
  }
}

async function main() {
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs, ${process.platform} ${os.release()}; ` +
      `${WARMUP} warm-up + ${SAMPLES} samples per measure, ${COLD_CHILDREN} cold children`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epr-floor-'));
  const floorBuild = process.env[FLOOR_BINARY_VARIABLE]
    ? { binary: process.env[FLOOR_BINARY_VARIABLE] }
    : process.platform === 'win32'
      ? { skipped: `${FLOOR_BINARY_VARIABLE} is not set (scripts/bench-win32.js builds the Windows floor)` }
      : buildC(FLOOR_SOURCE, dir);
  // The floor runs three times, spread over the bench, and the median is
  // kept: where the scheduler puts the two sides (one CPU or two) can change
  // a run's latency by ~2x, and one unlucky run should not set the goal.
  const floorRuns = [];
  const floorRun = () => {
    if (floorBuild.binary) floorRuns.push(runFloor(floorBuild.binary));
  };

  const server = RendezvousServer.instance();
  // Any open fds will do as the rights handed over; the floors use the null
  // device too.
  const nullDevice = process.platform === 'win32' ? '\\\\.\\NUL' : '/dev/null';
  const sources = Array.from({ length: Math.max(...SIZES) }, () => fs.openSync(nullDevice, 'r'));
  try {
    floorRun();
    const cold = await measureCold(server, sources[0]);
    floorRun();
    const { child } = await startChild(server, {});
    const warm = await measureWarm(server, child, sources);
    const ipc = await measureIpc(child);
    await stopChild(child);
    floorRun();

    const floor = floorBuild.binary ? medianOfRuns(floorRuns) : undefined;
    const floorOf = (count) => floor?.[count].p50;
    const rows = [];
    for (const count of SIZES)
      rows.push({ name: `ours: warm rendezvous, ${fds(count)}`, ...warm[count], floorP50: floorOf(count) });
    rows.push({
      name: `ours: cold first rendezvous, 1 fd (median/${cold.n})`,
      ...cold,
      floorP50: floorOf(1),
    });
    if (floor) {
      for (const count of SIZES)
        rows.push({
          name: `C floor, ${fds(count)} (median of ${floorRuns.length} runs)`,
          ...floor[count],
          floorP50: floorOf(count),
        });
    }
    rows.push({ name: 'child_process IPC ping-pong (no fds)', ...ipc });
    console.log();
    printTable(rows);
    console.log();

    if (!floor) {
      console.log(`C floor skipped (${floorBuild.skipped}); the ${GOAL_RATIO}x goal cannot be checked.`);
    } else {
      const verdicts = SIZES.map((count) => {
        const r = warm[count].p50 / floor[count].p50;
        return `${fds(count)} ${r.toFixed(2)}x ${r <= GOAL_RATIO ? 'MET' : 'NOT MET'}`;
      });
      console.log(`Goal (warm p50 within ${GOAL_RATIO}x of the C floor): ${verdicts.join('; ')}`);
    }
  } finally {
    for (const child of live) child.kill();
    for (const fd of sources) fs.closeSync(fd);
    server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
