'use strict';
// Builds the C fixtures (test/fixtures/raw-peer.c, raw-channel-peer.c) once
// per content (theirs and the headers they share), with the system compiler.
const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const built = new Map();

function buildFixture(name) {
  if (built.has(name)) return built.get(name);
  const sourcePath = path.join(__dirname, '..', 'fixtures', `${name}.c`);
  const fixtures = path.dirname(sourcePath);
  const hash = crypto.createHash('sha256');
  hash.update(fs.readFileSync(sourcePath));
  for (const header of fs
    .readdirSync(fixtures)
    .filter((name) => name.endsWith('.h'))
    .sort()) {
    hash.update(fs.readFileSync(path.join(fixtures, header)));
  }
  const digest = hash.digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'electron-port-rendezvous-test');
  fs.mkdirSync(dir, { recursive: true });
  const binary = path.join(dir, `${name}-${digest}`);
  if (!fs.existsSync(binary)) {
    const temporary = `${binary}.${process.pid}`;
    childProcess.execFileSync('cc', ['-Wall', '-Wextra', '-Werror', '-O1', '-o', temporary, sourcePath], {
      stdio: 'inherit',
    });
    fs.renameSync(temporary, binary);
  }
  built.set(name, binary);
  return binary;
}

const rawPeerPath = () => buildFixture('raw-peer');
const rawChannelPeerPath = () => buildFixture('raw-channel-peer');

module.exports = { rawChannelPeerPath, rawPeerPath };
