'use strict';
// The child side of bench/rendezvous.js. It is launched with the package's
// fork(), so the preload has already done the cold rendezvous when this runs.
const fs = require('node:fs');
const { RendezvousClient } = require('../dist/preload');
const { native } = require('../dist/lib/native');

// The preload removed the endpoint from the environment (so grandchildren
// cannot claim our rights); the parent passes it again as an argument.
const endpoint = process.argv[2];
const addon = native();
// process.ppid is a getppid() syscall per read; read it once, outside the
// timed call, as floor.c does.
const parent = process.ppid;

const client = RendezvousClient.instance();
if (client === null) {
  process.send({ type: 'ready', error: String(RendezvousClient.lastError?.message) });
} else {
  for (const key of client.keys()) fs.closeSync(client.takeFd(key));
  process.send({ type: 'ready', coldMs: client.durationMs });
}

process.on('message', (message) => {
  if (message.type === 'go') {
    // Time only the native round trip: no IPC, no fd closing.
    const started = process.hrtime.bigint();
    const rights = addon.performRendezvous(endpoint, parent, 5000, false);
    const ns = Number(process.hrtime.bigint() - started);
    // Flat quadruples: key, fd, kind, byte length, ...
    for (let i = 1; i < rights.length; i += 4) fs.closeSync(rights[i]);
    process.send({ type: 'done', ns, count: rights.length / 4 });
  } else if (message.type === 'ping') {
    process.send({ type: 'pong' });
  }
});
// Nothing else keeps this process alive: it exits when the parent disconnects.
