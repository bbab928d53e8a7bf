'use strict';
// Views in place inside Electron's real memory cage: the example app's
// utility process writes a note through its view of a region, and main
// reads it through its own view, with external buffers refused in both.
const path = require('node:path');
const { test, expect, _electron: electron } = require('@playwright/test');

const EXAMPLE = path.join(__dirname, '..', 'example');
const sandboxArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];

test('main and a utility process share a region in place inside the cage, and the window shows it', async () => {
  const app = await electron.launch({ args: [...sandboxArgs, EXAMPLE] });
  const window = await app.firstWindow();
  await expect(window.locator('#status')).toHaveText(/exited with code 0\. OK/, { timeout: 20_000 });
  await expect(window.locator('#handed')).toContainText('views in place on');
  await expect(window.locator('#channel')).toContainText(/wrote \d+ bytes in place/);
  await expect(window.locator('#in-place')).toHaveText(
    /^main read "utility process \d+ wrote this in place" through its own view$/,
  );
  await app.close();
});
