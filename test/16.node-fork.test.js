'use strict';
// fork()'s Node path against child_process.fork itself: the argument forms
// it accepts, a parent that runs `node -e`/`node -p`, a spawn that fails,
// and a fork() that throws after the launch was prepared.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, afterEach, before, test } = require('node:test');

const rendezvous = require('../dist/main');
const { firstMessage, fixture, killStragglers, track } = require('./support/children');
const { PIPE_KIND, openFdCount, pipeHolding, waitFor } = require('./support/fds');
const { rightsToGiveBack } = require('./support/given-back');

const MAIN = path.join(__dirname, '..', 'dist', 'main');

let server;
before(() => {
  server = rendezvous.RendezvousServer.instance();
});
afterEach(killStragglers);
after(() => server.stop());

test('fork(modulePath, options) takes the options without an args array, as child_process.fork does', async () => {
  for (const args of [undefined, null]) {
    const forms = args === undefined ? [] : [args];
    const child = track(
      rendezvous.fork(fixture('report-rights.js'), ...forms, {
        ports: { 4: { fd: pipeHolding(`args ${args}`), disposition: 'move' } },
      }),
    );
    const report = await firstMessage(child);
    assert.deepEqual(report.rights, { 4: { target: PIPE_KIND, content: `args ${args}` } });
    child.send('exit');
  }
});

/** Runs `node <flag> <code>`: its exit status and stdout lines. */
function runEval(flag, code) {
  const result = childProcess.spawnSync(process.execPath, [flag, code], {
    encoding: 'utf8',
    timeout: 20000,
    env: { ...process.env, EPR_GENERATION: '0' },
  });
  return { status: result.status, lines: result.stdout.trim().split('\n') };
}

// The parent's code, bounded: were a child to run it again, the second
// generation refuses instead of forking on.
const launcherCode = `
const generation = Number(process.env.EPR_GENERATION);
console.log('eval ' + generation);
if (generation >= 2) process.exit(3);
const { fork } = require(${JSON.stringify(MAIN)});
const child = fork(${JSON.stringify(fixture('report-generation.js'))}, [], {
  env: { ...process.env, EPR_GENERATION: String(generation + 1) },
});
child.on('exit', (code) => process.exit(code));
`;

test('a child of `node -e` runs its module, not the eval code, with the preload once', () => {
  assert.deepEqual(runEval('-e', launcherCode), {
    status: 0,
    lines: ['eval 0', 'module 1 preloads=1', 'module 2 preloads=1'],
  });
});

test('a child of `node -p` runs its module, not the printed code', () => {
  assert.deepEqual(runEval('-p', `${launcherCode}; 'printed'`), {
    status: 0,
    lines: ['eval 0', 'printed', 'module 1 preloads=1', 'module 2 preloads=1'],
  });
});

/** What a process that launches with `launcher` and no 'error' listener ends with. */
function unhandledSpawnError(launcher, options) {
  const code = `${launcher}(${JSON.stringify(fixture('report-rights.js'))}, [], ${JSON.stringify(options)});`;
  const result = childProcess.spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 20000 });
  const error = result.stderr.split('\n').find((line) => line.startsWith('Error: '));
  return { status: result.status, unhandled: result.stderr.includes("Unhandled 'error' event"), error };
}

test("a spawn that fails throws its unhandled 'error' exactly as child_process.fork's does", () => {
  for (const options of [{ execPath: '/nonexistent/node' }, { cwd: '/nonexistent/directory' }]) {
    const expected = unhandledSpawnError("require('node:child_process').fork", options);
    assert.equal(expected.unhandled, true, 'child_process.fork leaves the error unhandled');
    assert.deepEqual(unhandledSpawnError(`require(${JSON.stringify(MAIN)}).fork`, options), expected);
  }
});

/** Options that make child_process.fork's spawn throw: an environment too
 * big for exec (E2BIG); Windows has no such limit, but a closed descriptor
 * as a child's stdio fails its spawn there the same way (EBADF). */
function throwingSpawn() {
  if (process.platform !== 'win32')
    return { options: { env: { ...process.env, TOO_BIG: 'x'.repeat(3 * 1024 * 1024) } }, code: 'E2BIG' };
  const closed = fs.openSync(os.devNull, 'r');
  fs.closeSync(closed);
  return { options: { stdio: ['ignore', 'ignore', 'ignore', 'ipc', closed] }, code: 'EBADF' };
}

test('when child_process.fork throws (E2BIG), the caller owns every right again', async () => {
  const baseline = openFdCount();
  const { ports, assertGivenBack } = rightsToGiveBack();
  const { options, code } = throwingSpawn(); // after the rights: its closed number stays closed
  assert.throws(() => rendezvous.fork(fixture('report-rights.js'), [], { ...options, ports }), { code });
  assert.deepEqual(server.stats(), { registrations: 0, pendingLaunches: 0, heldRequests: 0 });
  await assertGivenBack();
  await waitFor(() => openFdCount() === baseline, 3000, `fd count back to ${baseline} (the copy released)`);
});
