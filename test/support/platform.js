'use strict';
// What differs between the backends, for the few assertions that must know.

/** An endpoint of this process's server: an abstract socket name on Linux, a
 * bootstrap name on macOS, a named pipe on Windows. */
const ENDPOINT_PATTERN =
  process.platform === 'darwin'
    ? new RegExp(`^electron-port-rendezvous\\.PortRendezvous\\.${process.pid}\\.[0-9a-f]{32}$`)
    : process.platform === 'win32'
      ? new RegExp(
          `^\\\\\\\\\\.\\\\pipe\\\\electron-port-rendezvous\\.PortRendezvous\\.${process.pid}\\.[0-9a-f]{32}$`,
        )
      : new RegExp(`^@electron-port-rendezvous\\.${process.pid}\\.[0-9a-f]{32}$`);

/**
 * Threads of this process, where they can be counted exactly (Linux: the
 * server runs one of its own). The macOS server runs on a dispatch queue whose
 * worker threads libdispatch keeps or drops as it likes: null there.
 */
function threadCount() {
  if (process.platform !== 'linux') return null;
  return require('node:fs').readdirSync('/proc/self/task').length;
}

module.exports = { ENDPOINT_PATTERN, threadCount };
