'use strict';
// What differs between the backends, for the few assertions that must know.

/** An endpoint of this process's server: an abstract socket name on Linux, a
 * bootstrap name on macOS. */
const ENDPOINT_PATTERN =
  process.platform === 'darwin'
    ? new RegExp(`^electron-port-rendezvous\\.PortRendezvous\\.${process.pid}\\.[0-9a-f]{32}$`)
    : new RegExp(`^@electron-port-rendezvous\\.${process.pid}\\.[0-9a-f]{32}$`);

/**
 * What the server holds besides fds, counted so a test can see it all go:
 * the Linux server's own thread; the macOS server's Mach port names (it runs
 * on a dispatch queue, not a thread of its own).
 */
function serverResourceCount() {
  if (process.platform === 'darwin') return require('./mach').machHelper().nameCount();
  return require('node:fs').readdirSync('/proc/self/task').length;
}

module.exports = { ENDPOINT_PATTERN, serverResourceCount };
