'use strict';
// No musl build of Node is on the npm registry, so a musl prebuild is checked
// with musl's own dynamic loader (Debian's musl package): in its ldd mode it
// maps the binary's NEEDED libraries and binds every symbol it can. What it
// cannot bind must be what Node itself exports (Node-API and libuv), read
// from the dynamic symbol table of a real Node binary.
const { spawnSync, execFileSync } = require('node:child_process');

const MUSL_LOADER = '/lib/ld-musl-x86_64.so.1';

/** The symbols a Node binary exports to addons. */
function nodeExports(node) {
  const table = execFileSync('nm', ['-D', '--defined-only', node], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return new Set(table.split('\n').map((line) => line.split(' ').pop()));
}

/**
 * Loads `file` with musl's loader; `problems` lists each library it could not
 * map and each symbol that neither musl nor `node` provides.
 */
function resolveUnderMusl(file, node) {
  const { stdout, stderr } = spawnSync(MUSL_LOADER, ['--list', file], { encoding: 'utf8' });
  const exported = nodeExports(node);
  const problems = [];
  const libraries = [];
  for (const line of stdout.split('\n')) {
    const mapped = /^\s+(\S+) => (.+) \(0x[0-9a-f]+\)$/.exec(line);
    if (mapped) libraries.push(`${mapped[1]} => ${mapped[2]}`);
    else if (/not found/.test(line)) problems.push(line.trim());
  }
  let fromNode = 0;
  for (const line of stderr.split('\n').filter(Boolean)) {
    const missing = /^Error relocating .*: (\S+): symbol not found$/.exec(line);
    if (missing && exported.has(missing[1])) fromNode++;
    else problems.push(line.trim());
  }
  if (libraries.length === 0) problems.push(`musl's loader mapped nothing:\n${stdout}${stderr}`);
  return { libraries, fromNode, problems };
}

module.exports = { resolveUnderMusl };
