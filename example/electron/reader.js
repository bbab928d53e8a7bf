'use strict';
// A utility process for the end-to-end tests: reads the pipe under key 1 and
// reports its text to the main process.
const fs = require('node:fs');
const { load } = require('../rendezvous');

const { RendezvousClient } = load('preload');
const client = RendezvousClient.instance();
const fd = client?.takeFd(1) ?? null;
const text = fd === null ? null : fs.readFileSync(fd, 'utf8');
process.parentPort.postMessage({
  pid: process.pid,
  text,
  error: RendezvousClient.lastError?.code ?? null,
  // This module, not the package's entry, is the utility process's main module.
  isMain: require.main === module,
  argv1: process.argv[1],
});
// Exit once the main process has the report (a message still in flight when
// a utility process exits can be lost).
process.parentPort.once('message', () => process.exit(0));
