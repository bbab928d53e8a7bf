'use strict';
// The other side of bench/payloads.js. With argv[2] 'ipc' it acknowledges
// each child_process message; with 'echo' it writes back whatever arrives
// on stdin, which must be a socket (libuv makes stdio pipes as
// socketpairs; on Windows as named pipes, which fstat cannot tell); otherwise it takes a channel (key 1) and a shared memory
// region (key 2) and answers commands on the channel.
const fs = require('node:fs');

if (process.argv[2] === 'ipc') {
  process.on('message', () => process.send('ack'));
} else if (process.argv[2] === 'echo') {
  if (process.platform !== 'win32' && !fs.fstatSync(0).isSocket()) throw new Error('stdin is not a socket');
  process.stdin.on('data', (bytes) => process.stdout.write(bytes));
} else {
  const { RendezvousClient } = require('../dist/preload');
  const client = RendezvousClient.instance();
  const channel = client.takeChannel(1);
  const region = client.takeSharedMemory(2);
  const copy = Buffer.alloc(region.byteLength);
  let bytes = 0;
  channel.on('message', ({ data }) => {
    if (typeof data !== 'string') {
      bytes += data.length; // throughput: count, answer when asked
      return;
    }
    if (data.startsWith('chunk ')) {
      // The pipelined copy path: one range, read while the parent writes
      // the next; 'done' after the last.
      const [offset, length] = data.slice(6).split(' ').map(Number);
      region.read(offset, copy.subarray(offset, offset + length));
      if (offset + length === region.byteLength) channel.postMessage('done');
      return;
    }
    switch (data) {
      case 'read':
        // The copy path: the whole region out into this process's memory.
        region.read(0, copy);
        channel.postMessage('done');
        break;
      case 'count?':
        channel.postMessage(String(bytes));
        bytes = 0;
        break;
      default:
        channel.postMessage(data); // ping
    }
  });
  channel.postMessage('ready');
}
