'use strict';
// Launching real children and hearing from them.
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

module.exports = { exited, firstMessage, fixture, killStragglers, stdoutOf, track };
