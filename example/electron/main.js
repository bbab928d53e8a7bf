'use strict';
// The Electron app: runs the demo's scenario with a utility process and shows
// live, in its window, what the utility process received and did with it.
const { app, BrowserWindow } = require('electron');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { load } = require('../rendezvous');
const { runScenario } = require('../scenario');

const { fork, RendezvousServer } = load('main');

// Hooks for the end-to-end tests (e2e/), reached with electronApp.evaluate.
globalThis.rendezvousDemo = {
  events: [],
  stats: () => RendezvousServer.instance().stats(),
  /**
   * Forks a worker that reports the text of the pipe it receives. Resolves
   * at its 'exit' with its report (null if it had none), its exit code, and
   * the pipe's read end handed over (`readFd`, `ino`) for stillOpen().
   */
  forkReader(text, { kill = false } = {}) {
    const fifo = path.join(app.getPath('temp'), `rendezvous-e2e-${process.pid}-${Math.random()}`);
    execFileSync('mkfifo', [fifo]);
    const readFd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writeFd = fs.openSync(fifo, 'w');
    fs.unlinkSync(fifo);
    fs.writeSync(writeFd, text);
    fs.closeSync(writeFd);
    const { ino } = fs.fstatSync(readFd);
    // No args array: fork(modulePath, options), as utilityProcess.fork takes it.
    const child = fork(path.join(__dirname, 'reader.js'), {
      ports: { 1: { fd: readFd, disposition: 'move' } },
    });
    // Electron can kill a utility process only once it has spawned.
    if (kill) child.once('spawn', () => child.kill());
    return new Promise((resolve) => {
      let message = null;
      child.on('message', (received) => {
        message = received;
        child.postMessage('exit');
      });
      child.once('exit', (code) => resolve({ code, message, readFd, ino }));
    });
  },
  /**
   * Whether `fd` is still the descriptor forkReader handed over. The server
   * closes an unclaimed one when it sees the child exit, on its own thread,
   * so this can still be true at 'exit': poll it.
   */
  stillOpen(fd, ino) {
    try {
      return fs.fstatSync(fd).ino === ino;
    } catch {
      return false; // closed: the number is free
    }
  },
};

function report(window, event) {
  globalThis.rendezvousDemo.events.push(event);
  if (!window.isDestroyed()) window.webContents.send('scenario', event);
}

app.whenReady().then(async () => {
  const window = new BrowserWindow({
    width: 760,
    height: 520,
    title: 'electron-port-rendezvous demo',
    webPreferences: { preload: path.join(__dirname, 'preload.js') },
  });
  await window.loadFile(path.join(__dirname, 'index.html'));
  runScenario((event) => report(window, event)).catch((error) =>
    report(window, { type: 'error', message: error.message }),
  );
});

app.on('window-all-closed', () => app.quit());
