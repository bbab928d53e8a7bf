'use strict';
// The child side of `npm start` (see demo.js). It is launched by the
// package's fork(), whose --require preload has already done the rendezvous
// before this module runs, so the rights are simply waiting to be taken.
const fs = require('node:fs');
const http = require('node:http');
const { RendezvousClient } = require('../dist/preload');

const client = RendezvousClient.instance();
if (client === null) {
  // e.g. run directly with `node example/worker.js`: there is no parent server.
  console.error(`worker: rendezvous failed: ${RendezvousClient.lastError?.message}`);
  process.exit(1);
}

// Count before taking: takeFd() removes the right from the client.
const received = client.portCount;
const listenFd = client.takeFd(1); // a listening TCP socket (a copy of the parent's)
const pipeFd = client.takeFd(2); // the write end of a pipe (moved: we are its only holder)
if (listenFd === null || pipeFd === null) {
  console.error(`worker: expected keys 1 and 2, got ${received} right(s)`);
  process.exit(1);
}

// Report over the pipe, then close it: the parent reads until EOF, which only
// comes once every write end is closed, so this also shows nobody else
// (parent, rendezvous server) kept a copy of a moved descriptor.
fs.writeSync(pipeFd, `worker ${process.pid} got ${received} rights in ${client.durationMs.toFixed(3)} ms\n`);
fs.closeSync(pipeFd);

let served = false;
// If the parent dies first, its IPC channel closes; do not linger.
process.once('disconnect', () => {
  if (!served) process.exit(1);
});

const server = http.createServer((request, response) => {
  served = true;
  const { port } = server.address();
  response.setHeader('Connection', 'close'); // so server.close() below is not held by keep-alive
  response.end(`hello from worker ${process.pid}, serving ${request.url} on the parent's port ${port}\n`);
  // One request is all the demo needs. Closing the server and the IPC channel
  // leaves nothing to keep the event loop alive, so the worker exits with 0.
  response.on('finish', () => {
    server.close();
    process.disconnect();
  });
});
// `{ fd }` adopts an already listening socket; connections the kernel queued
// before this point (the parent may connect first) are accepted now.
server.listen({ fd: listenFd });
