'use strict';
// /proc/self/maps, read for the tests of views in place: which mapping
// holds an address, and which lines map a given memfd.
const fs = require('node:fs');

const MEMFD_NAME = '/memfd:electron-port-rendezvous';

/** Each line of /proc/self/maps as { start, end, inode, path } (BigInts). */
function readMaps() {
  return fs
    .readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [range, perms, , , inode, ...rest] = line.split(/\s+/);
      const [start, end] = range.split('-').map((hex) => BigInt(`0x${hex}`));
      return { start, end, perms, inode: Number(inode), path: rest.join(' '), line };
    });
}

/** The mapping that holds `address` (a BigInt). */
function mappingAt(address) {
  return readMaps().find(({ start, end }) => start <= address && address < end);
}

/** The lines that map the memfd with inode `inode`. */
function memfdMappings(inode) {
  return readMaps().filter((entry) => entry.path.startsWith(MEMFD_NAME) && entry.inode === inode);
}

/** The inode of descriptor `fd`. */
function inodeOf(fd) {
  return fs.fstatSync(fd).ino;
}

/** Resident set size in bytes, as the kernel counts it now. */
function residentBytes() {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return Number(match[1]) * 1024;
}

/** The `skip` option for tests that read a process's maps. */
const NEEDS_PROC_MAPS = process.platform === 'linux' ? false : 'reads /proc/<pid>/maps, which only Linux has';

module.exports = { MEMFD_NAME, NEEDS_PROC_MAPS, inodeOf, mappingAt, memfdMappings, readMaps, residentBytes };
