'use strict';
// Launching real children and hearing from them.
const childProcess = require('node:child_process');
const path = require('node:path');
const { once } = require('node:events');

const FIXTURES = path.join(__dirname, '..', 'fixtures');

function fixture(name) {
  return path.join(FIXTURES, name);
}

/** The first IPC message from `child`, or a clear failure if it exits first. */
function firstMessage(child, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message from pid ${child.pid}`)), timeoutMs);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`pid ${child.pid} exited (${code ?? signal}) before reporting`));
    });
  });
}

async function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

/** Collects a child's stdout as text until it exits. */
async function stdoutOf(child) {
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code, signal] = await once(child, 'close');
  return { out, code, signal };
}

/** A real process that does nothing for `seconds`: sleep(1) where it is,
 * a Node timer on Windows, which has no sleep program. */
function sleepingChild(seconds, options = { stdio: 'ignore' }) {
  if (process.platform !== 'win32') return childProcess.spawn('sleep', [String(seconds)], options);
  return childProcess.spawn(process.execPath, ['-e', `setTimeout(() => {}, ${seconds * 1000})`], options);
}

/** A real process that exits at once, not yet reaped (true(1), or Node on
 * Windows). */
function exitingChild() {
  if (process.platform !== 'win32') return childProcess.spawn('true', [], { stdio: 'ignore' });
  return childProcess.spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
}

// Windows keeps an exited process openable while anyone still holds it
// (csrss, or Wine's server, for a while), so no child's pid is surely gone
// there; pids are multiples of four from a table that never grows this far.
const WINDOWS_PID_NOBODY_HAS = 0x7ffffffc;

/** The pid of a process that no longer exists (true(1)'s, reaped), or on
 * Windows one no process has. */
function exitedChildPid() {
  if (process.platform === 'win32') return WINDOWS_PID_NOBODY_HAS;
  return childProcess.spawnSync('true').pid;
}

const tracked = new Set();

/** Remembers `child` so a failed test cannot leave it running. */
function track(child) {
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  return child;
}

/** For afterEach: kills whatever a test left behind. */
async function killStragglers() {
  const left = [...tracked];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(left.map(exited));
}

/** The next 'message' on a channel end, or a rejection after `timeoutMs`. */
function nextChannelMessage(channel, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message on the channel')), timeoutMs);
    channel.once('message', (message) => {
      clearTimeout(timer);
      resolve(message);
    });
  });
}

/** Resolves with the first 'error' (or null) once the channel closes, or
 * rejects after `timeoutMs`. */
function channelClosed(channel, timeoutMs = 10000) {
  let error = null;
  channel.on('error', (e) => (error = e));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the channel did not close')), timeoutMs);
    channel.once('close', () => {
      clearTimeout(timer);
      resolve(error);
    });
  });
}

module.exports = {
  channelClosed,
  nextChannelMessage,
  exited,
  exitedChildPid,
  exitingChild,
  firstMessage,
  fixture,
  killStragglers,
  sleepingChild,
  stdoutOf,
  track,
};
