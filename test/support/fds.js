'use strict';
// Real kernel objects for the tests, made from Node without native helpers of
// the project's own: pipes (through a FIFO), shared files (memfds on Linux,
// reopened through /proc from a process that made one; unlinked files on
// macOS, which has no memfd), listening sockets, and fd accounting.
//
// Windows: descriptors are the C runtime's over OS handles, and Node makes
// them only for files (fs.openSync), so a file whose name is gone stands in
// for a pipe and a shared file; a socket has no descriptor in Node there.
const childProcess = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { rawPeerPath } = require('./raw-peer');

const WINDOWS = process.platform === 'win32';
// Windows has no /dev/fd: the C runtime's descriptors below this are probed.
const WINDOWS_FD_PROBE_LIMIT = 2048;

/** Descriptors open in this process right now (/dev/fd on Linux and macOS;
 * on Windows the host C runtime's descriptors, not every kernel handle). */
function openFdCount() {
  if (WINDOWS) {
    let open = 0;
    for (let fd = 0; fd < WINDOWS_FD_PROBE_LIMIT; ++fd) if (fdIsOpen(fd)) ++open;
    return open;
  }
  return fs.readdirSync('/dev/fd').length - 1; // minus readdir's own
}

function fdIsOpen(fd) {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

let fifoCounter = 0;

/** Windows: a new file whose name is gone, open for reading and writing. */
function namelessFile(text = '') {
  const file = path.join(os.tmpdir(), `epr-file-${process.pid}-${fifoCounter++}`);
  const fd = fs.openSync(file, 'w+', 0o600);
  fs.unlinkSync(file); // libuv opens files with FILE_SHARE_DELETE
  if (text) fs.writeSync(fd, text, 0);
  return fd;
}

/** Windows stand-in for makePipe(): two descriptors of one nameless file,
 * so what is written to writeFd is read back from readFd, in order. */
function fileStandingInForPipe() {
  const file = path.join(os.tmpdir(), `epr-pipe-${process.pid}-${fifoCounter++}`);
  const writeFd = fs.openSync(file, 'w', 0o600);
  const readFd = fs.openSync(file, 'r');
  fs.unlinkSync(file);
  return { readFd, writeFd };
}

/** A real pipe: both ends of a FIFO whose name is gone at once (Windows: a
 * file standing in, see fileStandingInForPipe). */
function makePipe() {
  if (WINDOWS) return fileStandingInForPipe();
  const fifo = path.join(os.tmpdir(), `epr-fifo-${process.pid}-${fifoCounter++}`);
  childProcess.execFileSync('mkfifo', ['-m', '600', fifo]);
  try {
    const readFd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writeFd = fs.openSync(fifo, fs.constants.O_WRONLY);
    return { readFd, writeFd };
  } finally {
    fs.unlinkSync(fifo);
  }
}

/** Whether every write end of makePipe()'s pipe is closed, read without
 * blocking (and without the event loop) from its read end; what is read
 * on the way is dropped. */
function writersAllClosed(readFd) {
  if (WINDOWS)
    throw new Error(
      'writersAllClosed: on Windows a file stands in for the pipe, and it cannot tell when its writers are gone',
    );
  try {
    return fs.readSync(readFd, Buffer.alloc(256)) === 0;
  } catch (error) {
    if (error.code === 'EAGAIN') return false;
    throw error;
  }
}

/** Whether writersAllClosed() can answer here: not on Windows, where a file
 * stands in for the pipe. */
const WRITERS_VISIBLE = !WINDOWS;

/** A pipe whose read end holds `text` and whose write end is closed. */
function pipeHolding(text) {
  if (WINDOWS) return namelessFile(text); // read to its end, as a closed pipe is
  const { readFd, writeFd } = makePipe();
  fs.writeSync(writeFd, text);
  fs.closeSync(writeFd);
  return readFd;
}

/** A real memfd holding `text`, opened read-write in this process. */
function makeMemfd(text) {
  const proc = childProcess.spawn(rawPeerPath(), ['memfd', text], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      if (!out.includes('\n')) return;
      try {
        const fd = fs.openSync(`/proc/${proc.pid}/fd/${out.trim()}`, 'r+');
        resolve(fd);
      } catch (error) {
        reject(error);
      } finally {
        proc.stdin.end();
      }
    });
    proc.on('error', reject);
  });
}

/** A file with no name holding `text`, open read-write in this process. */
async function makeSharedFile(text) {
  if (process.platform === 'linux') return makeMemfd(text);
  if (WINDOWS) return namelessFile(text);
  const file = path.join(os.tmpdir(), `epr-shared-${process.pid}-${fifoCounter++}`);
  const fd = fs.openSync(file, 'w+', 0o600);
  fs.unlinkSync(file);
  fs.writeSync(fd, text, 0);
  return fd;
}

/** A TCP server listening on loopback that never accepts in this process. */
async function listeningSocket() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  if (WINDOWS) {
    server.close();
    throw new Error(
      'listeningSocket: Node keeps no descriptor for a socket on Windows; hand the net.Server itself',
    );
  }
  return { server, fd: server._handle.fd, port: server.address().port };
}

/** Connects to a loopback port and reads what the server says until it
 * ends the connection. */
function readFromPort(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/**
 * The descriptor count once it has stopped moving (the same over 60 ms):
 * the addon closes what peers sent on a thread of its own, so a count taken
 * right after a close may still include it.
 */
async function settledFdCount() {
  let count = openFdCount();
  for (let same = 0, polls = 0; same < 3 && polls < 150; ++polls) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = openFdCount();
    same = now === count ? same + 1 : 0;
    count = now;
  }
  return count;
}

/** Polls `condition` until it holds or `timeoutMs` passes. */
async function waitFor(condition, timeoutMs = 3000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What a child's fstat calls makePipe()'s and pipeHolding()'s descriptors
 * (report-rights.js): a FIFO, or the file standing in for one on Windows. */
const PIPE_KIND = WINDOWS ? 'file' : 'fifo';

module.exports = {
  PIPE_KIND,
  WRITERS_VISIBLE,
  fdIsOpen,
  listeningSocket,
  makeSharedFile,
  makePipe,
  openFdCount,
  pipeHolding,
  readFromPort,
  settledFdCount,
  waitFor,
  writersAllClosed,
};
