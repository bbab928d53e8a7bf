'use strict';
// What a utility process runs first in the stand-in for Electron
// (utility-process-double.js): its counterpart of Electron's
// lib/utility/init.ts (electron/electron 39-x-y; line numbers below are that
// file's). Started as
//   node --expose-internals [options] utility-bootstrap.js <entry> <execArgv as JSON> ...args
const { EventEmitter } = require('node:events');
const { pathToFileURL } = require('node:url');
// Node's own entry-point runner, which init.ts:39 uses too (hence
// --expose-internals).
const { runEntryPointWithESMLoader } = require('internal/modules/run_main');

// init.ts:8-11: process.argv is [execPath, entry, ...args].
const [, entryScript, requestedExecArgv] = process.argv.splice(1, 3, process.argv[2]);
// shell/services/node/node_service.cc:147-151: process.execArgv is the
// execArgv the parent passed, unfiltered; only the options Electron allows
// took effect (the double filtered the command line).
process.execArgv.splice(0, process.execArgv.length, ...JSON.parse(requestedExecArgv));

// The parent port rides on Node's IPC channel here; a utility process has
// no process.send (Node's IPC internals keep process.channel).
const send = process.send.bind(process);
const channel = process.channel;
delete process.send;

// lib/utility/parent-port.ts:7-32 and docs/api/parent-port.md: 'message'
// carries { data, ports }; messages wait until a handler is registered.
class ParentPort extends EventEmitter {
  #queue = [];
  #started = false;

  constructor() {
    super();
    process.on('message', (data) => {
      if (this.#started) this.emit('message', { data, ports: [] });
      else this.#queue.push(data);
    });
    channel.unref();
  }

  start() {
    if (this.#started) return;
    this.#started = true;
    channel.ref();
    setImmediate(() => {
      while (this.#started && this.#queue.length > 0) {
        this.emit('message', { data: this.#queue.shift(), ports: [] });
      }
    });
  }

  pause() {
    if (!this.#started) return;
    this.#started = false;
    channel.unref();
  }

  postMessage(message) {
    send(message);
  }
}

// init.ts:18-36.
const parentPort = new ParentPort();
Object.defineProperty(process, 'parentPort', { enumerable: true, writable: false, value: parentPort });
parentPort.on('newListener', (name) => {
  if (name === 'message' && parentPort.listenerCount('message') === 0) parentPort.start();
});
parentPort.on('removeListener', (name) => {
  if (name === 'message' && parentPort.listenerCount('message') === 0) parentPort.pause();
});

// init.ts:39-49: the entry is imported by the ES module loader with no
// parent URL, which makes it the main module; its error is uncaught.
runEntryPointWithESMLoader(async (cascadedLoader) => {
  try {
    await cascadedLoader.import(pathToFileURL(entryScript).href, undefined, Object.create(null));
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
});
