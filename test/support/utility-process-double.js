'use strict';
// A stand-in for Electron's main-process `app` and `utilityProcess`, for the
// unit tests of fork()'s Electron path where no Electron binary exists. It
// follows what Electron's utility process does, with a real Node child:
// - `env` replaces the environment (it is not merged);
// - `execArgv` keeps only the Node options Electron allows there (the
//   --inspect family and a few diagnostics; no --require);
// - the entry is imported through the ES module loader, with
//   process.argv[1] set to it;
// - `pid` stays undefined until 'spawn', which here comes late on purpose,
//   after the child already runs; `kill()` does nothing before it;
// - 'exit' is emitted only for a child that has spawned, with code 0 when
//   it was killed.
// It is not Electron: the end-to-end tests in e2e/ are what prove the real thing.
const childProcess = require('node:child_process');
const { EventEmitter } = require('node:events');

const ALLOWED_EXEC_ARGV =
  /^--(inspect(-brk|-port|-publish-uid)?|dns-result-order|no-deprecation|throw-deprecation|trace-deprecation|trace-warnings)(=|$)/;
const IMPORT_ENTRY = "import(require('node:url').pathToFileURL(process.argv[1]).href)";

class UtilityProcessDouble extends EventEmitter {
  pid = undefined;
  #child;
  #killed = false;

  constructor(modulePath, args, options, spawnDelayMs) {
    super();
    const execArgv = (options.execArgv ?? []).filter((arg) => ALLOWED_EXEC_ARGV.test(arg));
    this.#child = childProcess.spawn(
      process.execPath,
      [...execArgv, '-e', IMPORT_ENTRY, modulePath, ...args],
      {
        env: options.env ?? process.env,
        cwd: options.cwd,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    let spawnTimer;
    let spawned = false;
    this.#child.once('spawn', () => {
      spawnTimer = setTimeout(() => {
        spawned = true;
        this.pid = this.#child.pid;
        this.emit('spawn');
      }, spawnDelayMs);
    });
    this.#child.on('message', (message) => this.emit('message', message));
    this.#child.once('exit', (code) => {
      clearTimeout(spawnTimer);
      this.pid = undefined;
      if (spawned) this.emit('exit', this.#killed ? 0 : (code ?? 1));
    });
  }

  postMessage(message) {
    this.#child.send(message);
  }

  kill() {
    if (this.pid === undefined) return false;
    this.#killed = true;
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
