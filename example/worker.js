'use strict';
// The worker of the demo, in a Node child (demo under Node) or an Electron
// utility process (the Electron app). Its rights were received before this
// module ran: by the --require preload in Node, by the utility entry in
// Electron.
const fs = require('node:fs');
const http = require('node:http');
const { load } = require('./rendezvous');

const { RendezvousClient, SharedMemory } = load('preload');
const { IN_PLACE_OFFSET } = require('./in-place');
const post = (message) =>
  process.parentPort ? process.parentPort.postMessage(message) : process.send?.(message);

const client = RendezvousClient.instance();
if (client === null) {
  // e.g. run directly with `node example/worker.js`: there is no parent server.
  console.error(`worker: rendezvous failed: ${RendezvousClient.lastError?.message}`);
  process.exit(1);
}

// Count before taking: takeFd() removes the right from the client.
const received = client.portCount;
// The parent's listening TCP socket (a copy of it), as an http.Server of
// ours that listens on it at once: connections the kernel queued before this
// point (the parent may connect first) are accepted now.
const server = client.takeServer(1, http.createServer(serveOnce));
const pipeFd = client.takeFd(2); // the write end of a pipe (moved: we are its only holder)
const region = client.takeSharedMemory(3); // mapped here too: the parent's bytes
const channel = client.takeChannel(4);
if (server === null || pipeFd === null || region === null || channel === null) {
  console.error(`worker: expected keys 1 to 4, got ${received} right(s)`);
  process.exit(1);
}
post({ pid: process.pid, received, rendezvousMs: client.durationMs });

// The region's text, by copy (works everywhere).
const text = Buffer.alloc(region.byteLength);
region.read(0, text);
// And a note written in place, through a view whose memory is the region's
// own pages: no copy, inside Electron's memory cage too.
let inPlace = 'no views here: copy mode';
if (SharedMemory.zeroCopySupported) {
  const note = Buffer.from(`utility process ${process.pid} wrote this in place`);
  region.view().set(note, IN_PLACE_OFFSET);
  inPlace = `wrote ${note.length} bytes in place`;
}
channel.postMessage(
  `worker read "${text.toString('utf8', 0, IN_PLACE_OFFSET).replace(/\0+$/, '')}" from shared memory; ${inPlace}`,
);
region.close();
// A region that arrives later, over the channel: sum its bytes and say so.
channel.on('message', ({ handles }) => {
  for (const handle of handles) {
    if (!(handle instanceof SharedMemory)) continue;
    const bytes = Buffer.alloc(handle.byteLength);
    handle.read(0, bytes);
    const sum = bytes.reduce((total, byte) => total + byte, 0);
    channel.postMessage(`worker got a ${handle.byteLength}-byte region after launch: sum ${sum}`);
    handle.close();
  }
});

// Report over the pipe, then close it: the parent reads until EOF, which only
// comes once every write end is closed, so this also shows nobody else
// (parent, rendezvous server) kept a copy of a moved descriptor.
fs.writeSync(pipeFd, `worker ${process.pid} got ${received} rights in ${client.durationMs.toFixed(3)} ms\n`);
fs.closeSync(pipeFd);

let bytesServed = 0;
function serveOnce(request, response) {
  const { port } = server.address();
  const body = `hello from worker ${process.pid}, serving ${request.url} on the parent's port ${port}\n`;
  bytesServed += Buffer.byteLength(body);
  response.setHeader('Connection', 'close'); // so server.close() below is not held by keep-alive
  response.end(body);
  // One request is all the demo needs; the worker ends with code 0 once the
  // parent has heard how much it served.
  response.on('finish', () => {
    server.close();
    post({ pid: process.pid, bytesServed });
  });
}
const onParentMessage = (listener) =>
  process.parentPort
    ? process.parentPort.on('message', (event) => listener(event.data))
    : process.on('message', listener);
onParentMessage((message) => {
  if (message === 'exit') process.exit(0);
});
// Under Node: if the parent dies first, its IPC channel closes; do not linger.
process.once('disconnect', () => process.exit(1));
