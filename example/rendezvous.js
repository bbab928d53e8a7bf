'use strict';
// The package, wherever this example runs from: installed in the example app
// (after `npm run setup:electron`, and in the packaged app), or the built
// checkout one level up (plain `npm start` on a fresh clone).
const path = require('node:path');

function load(entry) {
  try {
    return require(`electron-port-rendezvous/${entry}`);
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND' || !error.message.includes('electron-port-rendezvous')) throw error;
    return require(path.join(__dirname, '..', 'dist', entry));
  }
}

module.exports = { load };
