'use strict';
// `npm start`: the Electron app where an Electron binary is installed (see
// `npm run setup:electron`); otherwise the same scenario under Node, which
// says so in its first line.
const { spawnSync } = require('node:child_process');
const { electronBinary } = require('./electron-binary');

const binary = electronBinary();
if (binary) {
  const args = [__dirname];
  // Chromium refuses to run as root without this (e.g. in containers).
  if (process.getuid?.() === 0) args.unshift('--no-sandbox');
  const result = spawnSync(binary, args, { stdio: 'inherit' });
  process.exit(result.status ?? 1);
} else {
  require('./node-demo')
    .main(
      `No Electron binary is installed (npm run setup:electron installs one); running the same scenario under Node ${process.version}.`,
    )
    .catch((error) => {
      console.error(`demo FAILED: ${error.message}`);
      process.exit(1);
    });
}
