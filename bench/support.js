'use strict';
// What the benchmarks share: percentiles, building their C baselines, and
// waiting for a child's next message.
const childProcess = require('node:child_process');
const path = require('node:path');

/** Nearest-rank percentile of sorted numbers (the same rule as the C
 * baselines). */
function percentile(sorted, p) {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(rank, 1) - 1];
}

/** The middle value (the lower of the two middle ones). */
const median = (values) => [...values].sort((a, b) => a - b)[(values.length - 1) >> 1];

/** p50/p99 in µs of durations in ns. */
function summarize(nanoseconds) {
  const sorted = [...nanoseconds].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50) / 1000, p99: percentile(sorted, 99) / 1000 };
}

/** Builds a C baseline into `dir`; returns the binary's path, or why not. */
function buildC(source, dir) {
  const binary = path.join(dir, path.basename(source, '.c'));
  try {
    childProcess.execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', binary, source], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    if (error.code === 'ENOENT') return { skipped: 'cc not found' };
    return { skipped: `cc failed: ${String(error.stderr).trim()}` };
  }
  return { binary };
}

/** The next `event` from `emitter`, or a rejection if `child` exits
 * first. */
function nextEvent(emitter, event, child) {
  return new Promise((resolve, reject) => {
    const onEvent = (value) => {
      child.off('exit', onExit);
      resolve(value);
    };
    const onExit = (code, signal) => {
      emitter.off(event, onEvent);
      reject(new Error(`child ${child.pid} exited early (${code ?? signal})`));
    };
    emitter.once(event, onEvent);
    child.once('exit', onExit);
  });
}

/** The child's next IPC message, or a rejection if it exits first. */
const nextMessage = (child) => nextEvent(child, 'message', child);

/** Nanoseconds since `started` (a process.hrtime.bigint()). */
const since = (started) => Number(process.hrtime.bigint() - started);

/** Runs a benchmark as a command: prints its report, exits 0, or 1 with
 * the error. */
function runMeasurement(measurement, report) {
  measurement
    .then((rows) => {
      report(rows);
      process.exit(0);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}

module.exports = { buildC, median, nextEvent, nextMessage, percentile, runMeasurement, since, summarize };
