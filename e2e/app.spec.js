'use strict';
// The example Electron app, driven by Playwright: real Electron, real
// utility processes, real handles.
const fs = require('node:fs');
const path = require('node:path');
const { test, expect, _electron: electron } = require('@playwright/test');

const EXAMPLE = path.join(__dirname, '..', 'example');
// Chromium refuses to run as root without this (CI containers).
const sandboxArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];

async function launch(options) {
  const app = await electron.launch(options);
  const window = await app.firstWindow();
  return { app, window };
}

test('a utility process acquires its rights and uses them', async () => {
  const { app, window } = await launch({ args: [...sandboxArgs, EXAMPLE] });
  await expect(window.locator('#status')).toHaveText(/exited with code 0\. OK/, { timeout: 20_000 });
  await expect(window.locator('#received')).toHaveText(/^4 rights, in utility process \d+$/);
  // Shared memory in Electron's memory cage is viewed in place; the channel
  // carried a region after launch.
  await expect(window.locator('#handed')).toContainText('views in place on');
  await expect(window.locator('#channel')).toContainText('from shared memory');
  await expect(window.locator('#channel')).toContainText('sum 7340032');
  await expect(window.locator('#http')).toContainText('-> 200');
  expect(Number(await window.locator('#bytes').textContent())).toBeGreaterThan(0);
  await app.close();
});

test("two utility processes get different rights; killing one releases the parent's copy", async () => {
  const { app, window } = await launch({ args: [...sandboxArgs, EXAMPLE] });
  // Let the window's own scenario finish first: its launch would show in the stats.
  await expect(window.locator('#status')).toHaveText(/exited with code 0\. OK/, { timeout: 20_000 });
  const results = await app.evaluate(async () => {
    const demo = globalThis.rendezvousDemo;
    const [first, second] = await Promise.all([
      demo.forkReader('for the first'),
      demo.forkReader('for the second'),
    ]);
    const killed = await demo.forkReader('never read', { kill: true });
    return { first, second, killed };
  });
  const reader = path.join(EXAMPLE, 'electron', 'reader.js');
  expect(results.first.message).toMatchObject({
    text: 'for the first',
    error: null,
    isMain: true,
    argv1: reader,
  });
  expect(results.second.message).toMatchObject({ text: 'for the second', error: null, isMain: true });
  expect(results.first.message.pid).not.toEqual(results.second.message.pid);
  // The server closes what was not claimed on its own thread when it sees
  // the exit, which can come after Electron's 'exit' event.
  for (const { readFd, ino } of [results.first, results.second, results.killed]) {
    await expect
      .poll(() =>
        app.evaluate((_, handed) => globalThis.rendezvousDemo.stillOpen(handed.readFd, handed.ino), {
          readFd,
          ino,
        }),
      )
      .toBe(false);
  }
  await expect
    .poll(() => app.evaluate(() => globalThis.rendezvousDemo.stats()))
    .toEqual({ registrations: 0, pendingLaunches: 0 });
  await app.close();
});

test('the packaged app loads the addon from beside its asar archive', async () => {
  const out = path.join(EXAMPLE, 'out');
  const [dir] = fs.readdirSync(out).filter((name) => name.startsWith('RendezvousDemo-'));
  const executable =
    process.platform === 'darwin'
      ? path.join(out, dir, 'RendezvousDemo.app', 'Contents', 'MacOS', 'RendezvousDemo')
      : path.join(out, dir, 'RendezvousDemo');
  const { app, window } = await launch({ executablePath: executable, args: sandboxArgs });
  await expect(window.locator('#status')).toHaveText(/exited with code 0\. OK/, { timeout: 20_000 });
  const resources = await app.evaluate(() => process.resourcesPath);
  expect(fs.existsSync(path.join(resources, 'app.asar'))).toBe(true);
  const unpacked = path.join(resources, 'app.asar.unpacked', 'node_modules', 'electron-port-rendezvous');
  expect(fs.readdirSync(unpacked, { recursive: true }).some((file) => String(file).endsWith('.node'))).toBe(
    true,
  );
  await app.close();
});
