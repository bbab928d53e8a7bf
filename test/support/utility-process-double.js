'use strict';
// A stand-in for Electron's main-process `app` and `utilityProcess`, for the
// unit tests of fork()'s Electron path where no Electron binary exists. It
// follows utilityProcess.fork's documented contract with a real Node child:
// `env` replaces the environment (it is not merged), the entry is imported
// as a module, and `pid` stays undefined until 'spawn', which here comes late
// on purpose, after the child is already running. It is not Electron: the
// end-to-end tests in e2e/ are what prove the real thing.
const childProcess = require('node:child_process');
const { EventEmitter } = require('node:events');

class UtilityProcessDouble extends EventEmitter {
  pid = undefined;
  #child;

  constructor(modulePath, args, options, spawnDelayMs) {
    super();
    this.#child = childProcess.spawn(process.execPath, [...(options.execArgv ?? []), modulePath, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let spawnTimer;
    this.#child.once('spawn', () => {
      spawnTimer = setTimeout(() => {
        this.pid = this.#child.pid;
        this.emit('spawn');
      }, spawnDelayMs);
    });
    this.#child.on('message', (message) => this.emit('message', message));
    this.#child.once('exit', (code) => {
      clearTimeout(spawnTimer);
      this.pid = undefined;
      this.emit('exit', code ?? 1);
    });
  }

  postMessage(message) {
    this.#child.send(message);
  }

  kill() {
    return this.#child.kill();
  }
}

/** `{ app, utilityProcess }` as fork() expects from require('electron'). */
function electronDouble({ ready = true, spawnDelayMs = 0 } = {}) {
  const calls = [];
  return {
    calls,
    app: { isReady: () => ready },
    utilityProcess: {
      fork(modulePath, args = [], options = {}) {
        calls.push({ modulePath, args, options });
        if (typeof modulePath !== 'string') throw new TypeError('modulePath must be a string');
        return new UtilityProcessDouble(modulePath, args, options, spawnDelayMs);
      },
    },
  };
}

module.exports = { electronDouble };
