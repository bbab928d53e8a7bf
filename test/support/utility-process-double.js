'use strict';
// A stand-in for Electron's main-process `app` and `utilityProcess`, for the
// unit tests of fork()'s Electron path where no Electron binary exists. It
// runs a real Node child and copies what Electron 39 does; each behaviour
// names the lines it follows in electron/electron at branch 39-x-y:
//   utility-process.ts   = lib/browser/api/utility-process.ts
//   api_utility_process  = shell/browser/api/electron_api_utility_process.cc
//   node_bindings        = shell/common/node_bindings.cc
// and the child starts in utility-bootstrap.js, the counterpart of
// lib/utility/init.ts. Where Node cannot do what Electron does, the comment
// says so. It is not Electron: the end-to-end tests in e2e/ prove the real
// thing.
const childProcess = require('node:child_process');
const { EventEmitter } = require('node:events');
const { constants } = require('node:os');
const path = require('node:path');
const { PassThrough } = require('node:stream');

const BOOTSTRAP = path.join(__dirname, 'utility-bootstrap.js');

// node_bindings:401-441 (IsAllowedOption), verbatim. This Node may not know
// every one of them (it refuses to start on those, as Electron's would not).
const DEBUG_OPTIONS = new Set([
  '--debug',
  '--debug-brk',
  '--debug-port',
  '--inspect',
  '--inspect-brk',
  '--inspect-brk-node',
  '--inspect-port',
  '--inspect-publish-uid',
  '--experimental-network-inspection',
  '--experimental-transform-types',
]);
const OPTIONS = new Set([
  '--diagnostic-dir',
  '--dns-result-order',
  '--no-deprecation',
  '--throw-deprecation',
  '--trace-deprecation',
  '--trace-warnings',
  '--no-experimental-global-navigator',
]);
const UNPACKED_OPTIONS = new Set(['--expose-internals']);

function isAllowedOption(option, { inspectFuse, packaged }) {
  if (DEBUG_OPTIONS.has(option)) return inspectFuse;
  if (UNPACKED_OPTIONS.has(option)) return !packaged;
  return OPTIONS.has(option);
}

// node_bindings:614-624: each argument is matched by its name up to the
// first '=', and the allowed ones reach Node whole. '--' passes Electron's
// filter too, but here it would end Node's options before the bootstrap, so
// it is not forwarded.
function nodeOptions(execArgv, electron) {
  return execArgv.filter((arg) => isAllowedOption(arg.split('=', 1)[0], electron));
}

const isStringArray = (value) => Array.isArray(value) && value.every((item) => typeof item === 'string');
const isStringMap = (value) =>
  typeof value === 'object' &&
  value !== null &&
  Object.values(value).every((item) => typeof item === 'string');

// utility-process.ts:55-91: stdin is always ignored; stdout and stderr are
// 'pipe', 'ignore' or 'inherit' (default 'inherit'), 'pipe' as streams.
function checkStdio(stdio) {
  if (typeof stdio === 'string') {
    if (!['inherit', 'ignore', 'pipe'].includes(stdio)) {
      throw new Error('stdio must be of the following values: inherit, pipe, ignore');
    }
    return ['ignore', stdio, stdio];
  }
  if (!Array.isArray(stdio)) return ['ignore', 'inherit', 'inherit'];
  if (stdio.length < 3) throw new Error('configuration missing for stdin, stdout or stderr.');
  if (stdio[0] !== 'ignore') throw new Error('stdin value other than ignore is not supported.');
  for (const [index, name] of [
    [1, 'stdout'],
    [2, 'stderr'],
  ]) {
    if (!['pipe', 'ignore', 'inherit'].includes(stdio[index])) {
      throw new Error(`${name} configuration must be of the following values: inherit, pipe, ignore`);
    }
  }
  return stdio.slice(0, 3);
}

class UtilityProcessDouble extends EventEmitter {
  #child;
  #pid = undefined;
  #killed = false;
  stdout = null;
  stderr = null;

  constructor(modulePath, args, options, electron) {
    super();
    const stdio = checkStdio(options.stdio);
    if (stdio[1] === 'pipe') this.stdout = new PassThrough();
    if (stdio[2] === 'pipe') this.stderr = new PassThrough();
    // api_utility_process:173-176: an empty env means "inherit".
    const env =
      options.env === undefined || Object.keys(options.env).length === 0 ? process.env : options.env;
    // node_service.cc:169-170 makes unhandled rejections warn, not crash.
    const nodeArgs = ['--expose-internals', '--unhandled-rejections=warn-with-error-code'];
    this.#child = childProcess.spawn(
      process.execPath,
      [
        ...nodeArgs,
        ...nodeOptions(options.execArgv ?? [], electron),
        BOOTSTRAP,
        modulePath,
        JSON.stringify(options.execArgv ?? []),
        ...args,
      ],
      { env, cwd: options.cwd, stdio: [...stdio, 'ipc'], serialization: 'advanced' },
    );
    // A launch Electron could not make emits nothing: no 'spawn', no 'exit'.
    this.#child.on('error', () => {});
    let spawnTimer;
    let gone = false;
    this.#child.once('spawn', async () => {
      // api_utility_process:246-259: the pid, the stdio pipes, then 'spawn',
      // once the child already runs (late here on purpose: not before the
      // test's `spawnWhen` settles, then after `spawnDelayMs`).
      await electron.spawnWhen;
      if (gone) return;
      spawnTimer = setTimeout(() => {
        this.#pid = this.#child.pid;
        if (this.stdout) this.#child.stdout.pipe(this.stdout);
        if (this.stderr) this.#child.stderr.pipe(this.stderr);
        this.emit('spawn');
      }, electron.spawnDelayMs);
    });
    this.#child.on('message', (message) => this.emit('message', message));
    this.#child.once('exit', (code, signal) => {
      gone = true;
      clearTimeout(spawnTimer);
      if (this.#pid === undefined) return;
      // api_utility_process:261-292: a signal reports its number; a
      // process kill() ended reports 0.
      let exitCode = code ?? constants.signals[signal];
      if (
        this.#killed &&
        (exitCode === constants.signals.SIGTERM || exitCode === constants.signals.SIGKILL)
      ) {
        exitCode = 0;
      }
      this.#pid = undefined;
      // utility-process.ts:94-109: stdout and stderr are dropped after 'exit'.
      try {
        this.emit('exit', exitCode);
      } finally {
        this.stdout = null;
        this.stderr = null;
      }
    });
  }

  // utility-process.ts:122-124 and api_utility_process:405-410: undefined
  // before 'spawn' and after 'exit'.
  get pid() {
    return this.#pid;
  }

  // api_utility_process:334-336: dropped once the child is gone.
  postMessage(message) {
    if (this.#child.connected) this.#child.send(message);
  }

  // utility-process.ts:142-147 and api_utility_process:388-403: false before
  // 'spawn' and after 'exit'; SIGTERM, then SIGKILL if it lingers.
  kill() {
    if (this.#pid === undefined) return false;
    const result = this.#child.kill('SIGTERM');
    const lingering = setTimeout(() => this.#child.kill('SIGKILL'), 2000);
    lingering.unref();
    this.#child.once('exit', () => clearTimeout(lingering));
    this.#killed = result;
    return result;
  }
}

/** `{ app, utilityProcess }` as fork() expects from require('electron').
 * `spawnWhen` (a promise) holds every 'spawn' back until it settles, so a
 * test decides how late the pid arrives. */
function electronDouble({
  ready = true,
  spawnWhen,
  spawnDelayMs = 0,
  inspectFuse = true,
  packaged = false,
} = {}) {
  const calls = [];
  const electron = { spawnWhen, spawnDelayMs, inspectFuse, packaged };
  return {
    calls,
    app: { isReady: () => ready },
    utilityProcess: {
      fork(modulePath, args, options) {
        calls.push({ modulePath, args, options });
        // utility-process.ts:16-53: the checks made in JS.
        if (!modulePath) throw new Error('Missing UtilityProcess entry script.');
        if (args == null) {
          args = [];
        } else if (typeof args === 'object' && !Array.isArray(args)) {
          options = args;
          args = [];
        }
        options = options == null ? {} : { ...options };
        if (options.execArgv != null && !Array.isArray(options.execArgv)) {
          throw new TypeError('execArgv must be an array of strings.');
        }
        if (options.serviceName != null && typeof options.serviceName !== 'string') {
          throw new TypeError('serviceName must be a string.');
        }
        if (options.cwd != null && typeof options.cwd !== 'string') {
          throw new TypeError('cwd path must be a string.');
        }
        checkStdio(options.stdio);
        // api_utility_process:440-480: the checks made in C++, where a value
        // that is present must convert.
        if (!ready) throw new TypeError('utilityProcess cannot be created before app is ready.');
        if (!isStringArray(args)) throw new TypeError('Invalid value for args');
        if ('env' in options && !isStringMap(options.env)) throw new TypeError('Invalid value for env');
        if ('execArgv' in options && !isStringArray(options.execArgv)) {
          throw new TypeError('Invalid value for execArgv');
        }
        return new UtilityProcessDouble(modulePath, args, options, electron);
      },
    },
  };
}

module.exports = { electronDouble };
