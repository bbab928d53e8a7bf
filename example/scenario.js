'use strict';
// The demo's scenario, shared by the Node demo and the Electron app: open a
// listening TCP socket and a pipe, make a shared memory region and a
// channel, hand all four to a worker by rendezvous, then talk to the worker
// through them, handing it one more region over the channel after launch.
// `report(event)` hears each step.
const childProcess = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { once } = require('node:events');
const { load } = require('./rendezvous');

const { Channel, fork, SharedMemory } = load('main');
const { readNote } = require('./in-place');
const LATE_REGION_BYTES = 1024 * 1024;
const WORKER = path.join(__dirname, 'worker.js');

/**
 * Node has no public pipe(): make a FIFO, open both ends, and unlink it at
 * once. What remains is an ordinary kernel pipe that has no name.
 */
function makePipe() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rendezvous-demo-'));
  const fifo = path.join(dir, 'pipe');
  try {
    childProcess.execFileSync('mkfifo', [fifo]);
    // The read end first, non-blocking, or opening either end would wait for the other.
    const readFd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writeFd = fs.openSync(fifo, 'w'); // does not block: a reader exists
    return { readFd, writeFd };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads a stream to its end as text. */
async function readAll(stream) {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk;
  return text;
}

function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) =>
        readAll(response).then((body) => resolve({ status: response.statusCode, body }), reject),
      )
      .on('error', reject);
  });
}

/** Sends to a Node ChildProcess or an Electron UtilityProcess. */
function tell(child, message) {
  if (typeof child.postMessage === 'function') child.postMessage(message);
  else child.send(message);
}

async function runScenario(report = () => {}) {
  const server = net.createServer();
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const { port } = server.address();
  const { readFd, writeFd } = makePipe();
  const region = SharedMemory.create(4096);
  region.write(0, Buffer.from(`greetings from the parent, pid ${process.pid}`));
  const [channel, workerEnd] = Channel.pair();

  // The server is shared: the rendezvous server keeps a dup of its socket,
  // so we may close ours right away. 'move': the write end is no longer ours
  // from here on. The region is shared (both map it); the channel end is
  // handed over.
  const child = fork(WORKER, [], {
    ports: {
      1: server,
      2: { fd: writeFd, disposition: 'move' },
      3: region,
      4: workerEnd,
    },
  });
  // The worker may exit once it has served its request and said both of
  // its things on the channel (a message still in flight when a utility
  // process exits can be lost).
  const channelReplies = [];
  let served = false;
  const letWorkerExit = () => {
    if (served && channelReplies.length === 2) tell(child, 'exit');
  };
  channel.on('message', ({ data }) => {
    channelReplies.push(data);
    report({ type: 'channel', text: data });
    if (data.includes('in place') && SharedMemory.zeroCopySupported) {
      report({ type: 'in-place', text: `main read "${readNote(region)}" through its own view` });
    }
    letWorkerExit();
  });
  // After launch: a second region, 1 MiB of a known pattern, over the channel.
  const late = SharedMemory.create(LATE_REGION_BYTES);
  late.write(0, Buffer.alloc(LATE_REGION_BYTES, 7));
  channel.postMessage('a region for you, after launch', [late]);
  late.close(); // the message carries its own handle; ours is not needed
  // Electron clears a UtilityProcess's pid before 'exit': keep it from 'spawn'.
  let pid = child.pid;
  child.once('spawn', () => (pid = child.pid));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.on('message', (message) => {
    report({ type: 'worker', ...message });
    if (message.bytesServed !== undefined) {
      served = true;
      letWorkerExit();
    }
  });
  report({
    type: 'handed',
    rights: [
      `key 1: the listening net.Server on 127.0.0.1:${port} (shared)`,
      `key 2: write end of a pipe (fd ${writeFd}, move)`,
      `key 3: a 4096-byte shared memory region (views in place ${SharedMemory.zeroCopySupported ? 'on' : 'off: copy mode'})`,
      'key 4: one end of a channel',
    ],
  });

  // Close our listening socket so only the worker accepts. The socket itself
  // stays open in the kernel through the rendezvous server's copy, so the
  // request below is queued even if the worker is not listening yet.
  server.close();

  const [pipeText, response] = await Promise.all([
    readAll(new net.Socket({ fd: readFd, readable: true, writable: false })),
    get(`http://127.0.0.1:${port}/hello`),
  ]);
  report({ type: 'pipe', text: pipeText.trim() });
  report({
    type: 'http',
    url: `http://127.0.0.1:${port}/hello`,
    status: response.status,
    body: response.body.trim(),
  });
  const code = await exited;
  channel.close();
  region.close();
  if (code !== 0) throw new Error(`worker exited with code ${code}`);
  if (response.status !== 200) throw new Error(`HTTP status ${response.status}`);
  const expectedSum = 7 * LATE_REGION_BYTES;
  if (!channelReplies.some((text) => text.includes(`sum ${expectedSum}`))) {
    throw new Error(`the worker did not confirm the late region: ${JSON.stringify(channelReplies)}`);
  }
  report({ type: 'done', pid });
}

module.exports = { runScenario };
