'use strict';
// Where the two sides of a round trip run. On a small VM a wake-up across
// CPUs costs 20-35 µs and one on the same CPU a few, so a round trip left to
// the scheduler can land on either and differ 2-5x from run to run. The
// round trips are measured with both sides pinned, in each placement, so
// that every transport is compared in the same one.
const { execFileSync } = require('node:child_process');

function taskset(args) {
  return execFileSync('taskset', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

/** The CPUs this process may run on ("0-1", "0,2"...), or null without
 * taskset. */
function allowedCpus() {
  try {
    return /list:\s*(\S+)/.exec(taskset(['-c', '-p', String(process.pid)]))[1];
  } catch {
    return null;
  }
}

/** Expands "0-2,5" to [0, 1, 2, 5]. */
function cpuList(text) {
  return text.split(',').flatMap((part) => {
    const [first, last = first] = part.split('-').map(Number);
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  });
}

/** Pins every thread of `pid` to `cpus` (a taskset list). Threads made
 * later inherit their maker's set. */
function pin(pid, cpus) {
  taskset(['-a', '-c', '-p', String(cpus), String(pid)]);
}

/**
 * The placements to measure in: both sides on one CPU, and on two; or,
 * without taskset or a second CPU, one unpinned placement.
 * `restore(...pids)` gives this process, and the children named, back the
 * CPUs this process had.
 */
function placements() {
  const allowed = allowedCpus();
  const cpus = allowed === null ? [] : cpuList(allowed);
  if (cpus.length < 2) {
    return {
      list: [
        {
          name: allowed === null ? 'unpinned (no taskset)' : 'unpinned (one CPU)',
          parent: null,
          child: null,
        },
      ],
      restore() {},
    };
  }
  return {
    list: [
      { name: `same CPU (both on ${cpus[0]})`, parent: cpus[0], child: cpus[0] },
      { name: `two CPUs (${cpus[0]} and ${cpus[1]})`, parent: cpus[0], child: cpus[1] },
    ],
    restore: (...pids) => {
      for (const pid of [process.pid, ...pids]) pin(pid, allowed);
    },
  };
}

/** Puts this process and `childPid` where `placement` says. */
function place(placement, childPid) {
  if (placement.parent === null) return;
  pin(process.pid, placement.parent);
  if (childPid !== undefined) pin(childPid, placement.child);
}

module.exports = { place, placements };
