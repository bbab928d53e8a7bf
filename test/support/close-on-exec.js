'use strict';
// Whether descriptors are close-on-exec, read from the kernel (Linux): the
// `flags:` line of /proc/<pid>/fdinfo/<fd> carries O_CLOEXEC when the fd's
// FD_CLOEXEC is set. Descriptors inside native objects are found by
// comparing a process's fd table before and after.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const { once } = require('node:events');
const path = require('node:path');

const O_CLOEXEC = 0o2000000;

/** The `skip` option for tests built on these helpers. */
const NEEDS_PROC =
  process.platform === 'linux' ? false : 'reads close-on-exec from /proc/<pid>/fdinfo, which only Linux has';

/** A descriptor number that Node leaves as it was inherited (Node marks low
 * inherited numbers close-on-exec at startup), for fixtures that need one
 * without the flag. */
const INHERITED_FD = 100;

/** fd number -> what it refers to (`pipe:[…]`, `socket:[…]`, a path). */
function openFds(pid = 'self') {
  const fds = new Map();
  for (const name of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      fds.set(Number(name), fs.readlinkSync(`/proc/${pid}/fd/${name}`));
    } catch {
      // closed meanwhile (readdir's own descriptor among them)
    }
  }
  return fds;
}

/** The open file's flags as the kernel reports them, or null if it is closed. */
function fdFlags(fd, pid = 'self') {
  let info;
  try {
    info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
  } catch {
    return null;
  }
  const flags = /^flags:\s*([0-7]+)$/m.exec(info);
  if (!flags) throw new Error(`no flags in /proc/${pid}/fdinfo/${fd}`);
  return parseInt(flags[1], 8);
}

function isCloseOnExec(fd, pid = 'self') {
  const flags = fdFlags(fd, pid);
  if (flags === null) throw new Error(`fd ${fd} of ${pid} is not open`);
  return (flags & O_CLOEXEC) !== 0;
}

/** Descriptors open now that were not (or referred elsewhere) in `before`,
 * each with its target and whether it is close-on-exec. */
function fdsOpenedSince(before, pid = 'self') {
  const opened = [];
  for (const [fd, target] of openFds(pid)) {
    if (before.get(fd) === target) continue;
    const flags = fdFlags(fd, pid);
    if (flags !== null) opened.push({ fd, target, closeOnExec: (flags & O_CLOEXEC) !== 0 });
  }
  return opened;
}

/** Describes descriptors by number, as fdsOpenedSince does. */
function describeFds(fds, pid = 'self') {
  const targets = openFds(pid);
  return fds.map((fd) => ({ fd, target: targets.get(fd), closeOnExec: isCloseOnExec(fd, pid) }));
}

/**
 * What a program this process launches with child_process.spawn (stdio
 * ignored) really has open: the targets in its fd table once it runs `sleep`.
 * 'spawn' fires only after exec succeeded, so close-on-exec has done its work.
 */
async function targetsInheritedByGrandchild() {
  const grandchild = childProcess.spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await once(grandchild, 'spawn');
    return [...openFds(grandchild.pid).values()];
  } finally {
    grandchild.kill('SIGKILL');
  }
}

/**
 * Runs `script` with node, holding a pipe at INHERITED_FD without
 * close-on-exec; the script's stdout is returned as JSON.
 */
async function runWithInheritedFd(script, args = [], options = {}) {
  const stdio = ['ignore', 'pipe', 'inherit'];
  while (stdio.length < INHERITED_FD) stdio.push('ignore');
  stdio.push('pipe');
  const child = childProcess.spawn(process.execPath, [script, ...args], { ...options, stdio });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code, signal] = await once(child, 'close');
  if (code !== 0) throw new Error(`${script} exited (${code ?? signal}): ${out}`);
  return JSON.parse(out);
}

/**
 * Has test/fixtures/hand-over-inherited-fd.js hand a descriptor it holds
 * without close-on-exec, and a copied one, to `holder` ('register': the
 * server; 'queue': a channel message that waits in the queue), and checks
 * that the holder made both close-on-exec and a process launched meanwhile
 * inherited neither.
 */
async function expectHandOverCloseOnExec(holder) {
  const report = await runWithInheritedFd(
    path.join(__dirname, '..', 'fixtures', 'hand-over-inherited-fd.js'),
    [holder],
  );
  assert.equal(report.inheritedWasCloseOnExec, false, 'the fixture starts with an fd that would leak');
  assert.equal(report.moved.target, report.movedTarget, 'the moved fd is held under its number');
  assert.equal(report.moved.closeOnExec, true, 'the moved fd is close-on-exec');
  assert.equal(report.copies.length, 1, 'one copy is held');
  assert.equal(report.copies[0].closeOnExec, true, 'the copy is close-on-exec');
  for (const target of [report.movedTarget, report.copiedTarget]) {
    assert.ok(!report.grandchildTargets.includes(target), `a launched process inherited ${target}`);
  }
}

module.exports = {
  INHERITED_FD,
  NEEDS_PROC,
  describeFds,
  expectHandOverCloseOnExec,
  fdsOpenedSince,
  isCloseOnExec,
  openFds,
  runWithInheritedFd,
  targetsInheritedByGrandchild,
};
