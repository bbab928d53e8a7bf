'use strict';
// `npm start`: the parent opens a listening TCP socket and a pipe, hands both
// to a child (worker.js) by port rendezvous, then talks to the child through
// them. Linux/macOS, plain Node; no dependencies beyond this package.
const childProcess = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { once } = require('node:events');
const { fork, RendezvousServer } = require('../dist/main');

const TIMEOUT_MS = 10_000;
let child = null;

// Anything that hangs (a lost right, a child that never listens, a pipe that
// never reaches EOF) fails the demo instead of blocking `npm start` forever.
const watchdog = setTimeout(() => fail(new Error(`timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);

function fail(error) {
  console.error(`demo FAILED: ${error.message}`);
  child?.kill();
  process.exit(1);
}

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

async function main() {
  console.log(`Running under plain Node ${process.version} (the Electron version of this demo comes later).`);

  const server = net.createServer();
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const { port } = server.address();
  const listenFd = server._handle.fd; // Node exposes no public accessor for a server's descriptor
  const { readFd, writeFd } = makePipe();

  // 'copy': the rendezvous server keeps a dup of the socket, so we may close
  // ours right away. 'move': the write end is no longer ours from here on.
  child = fork(path.join(__dirname, 'worker.js'), [], {
    ports: {
      1: { fd: listenFd, disposition: 'copy' },
      2: { fd: writeFd, disposition: 'move' },
    },
  });
  child.once('error', fail);
  const exited = once(child, 'exit');
  console.log(`Parent ${process.pid} handed child ${child.pid}:`);
  console.log(`  key 1: listening TCP socket 127.0.0.1:${port} (fd ${listenFd}, copy)`);
  console.log(`  key 2: write end of a pipe (fd ${writeFd}, move)`);

  // Close our listening socket so only the child accepts. The socket itself
  // stays open in the kernel through the rendezvous server's copy, so the
  // request below is queued even if the child is not listening yet.
  server.close();

  const [pipeText, response] = await Promise.all([
    readAll(new net.Socket({ fd: readFd, readable: true, writable: false })),
    get(`http://127.0.0.1:${port}/hello`),
  ]);
  const [code, signal] = await exited;
  if (code !== 0) throw new Error(`child exited with ${signal ?? `code ${code}`}`);
  if (response.status !== 200) throw new Error(`HTTP status ${response.status}`);

  console.log(`Child wrote on the pipe: ${pipeText.trim()}`);
  console.log(`GET http://127.0.0.1:${port}/hello -> ${response.status}: ${response.body.trim()}`);
  console.log(`Child ${child.pid} exited with code 0. OK`);

  // The server's native thread does not keep Node alive, but stopping it
  // releases anything it still holds; then the process ends by itself.
  RendezvousServer.instance().stop();
  clearTimeout(watchdog);
}

main().catch(fail);
