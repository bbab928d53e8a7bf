'use strict';
// Playwright drives the example Electron app (no browser download needed).
module.exports = {
  testDir: __dirname,
  testMatch: /.*\.spec\.js/,
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
};
