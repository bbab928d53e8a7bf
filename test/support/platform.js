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

/** An endpoint of the right form that no server answers at (a named pipe of
 * the server's form on Windows, which refuses any other name outright). */
const ABSENT_ENDPOINT =
  process.platform === 'win32'
    ? `\\\\.\\pipe\\electron-port-rendezvous.PortRendezvous.1.${'0'.repeat(32)}`
    : '@electron-port-rendezvous.none';

/**
 * Threads of this process, where they can be counted exactly (Linux: the
 * server runs one of its own). The macOS server runs on a dispatch queue whose
 * worker threads libdispatch keeps or drops as it likes: null there.
 */
function threadCount() {
  if (process.platform !== 'linux') return null;
  return require('node:fs').readdirSync('/proc/self/task').length;
}

/** Whether this is Windows as Wine provides it (npm run test:win32): Wine's
 * own programs are in its system32. */
function underWine() {
  if (process.platform !== 'win32') return false;
  const path = require('node:path');
  const systemRoot = process.env.SystemRoot ?? 'C:\\windows';
  return require('node:fs').existsSync(path.join(systemRoot, 'system32', 'winecfg.exe'));
}

/** What Wine cannot show honestly, as one-line skip reasons (false where it can). */
const WINE_CANNOT = {
  otherUsers:
    underWine() && 'Wine runs every process as one Unix user: no second Windows account to connect as',
  integrityLevels: underWine() && 'Wine does not enforce integrity levels between processes',
  aclDenial: underWine() && 'Wine does not enforce a DACL against another account: there is only one',
};

/** The call that finds a closed descriptor closed, with the C runtime's
 * EBADF: fcntl, or on Windows the host runtime's lookup of its handle. */
const CLOSED_FD_CALL = process.platform === 'win32' ? 'uv_get_osfhandle' : 'fcntl';

// What Windows lacks, as skip reasons, is written once in windows-design.js.
const { WINDOWS_LACKS } = require('./windows-design');

/** Node keeps no descriptor for a socket on Windows (libuv holds a SOCKET
 * it does not expose), so none can be handed as a right there. */
const NO_SOCKET_DESCRIPTOR = WINDOWS_LACKS.nodeObjectDescriptors;

module.exports = {
  ABSENT_ENDPOINT,
  CLOSED_FD_CALL,
  ENDPOINT_PATTERN,
  NO_SOCKET_DESCRIPTOR,
  WINE_CANNOT,
  threadCount,
  underWine,
};
