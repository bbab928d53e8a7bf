'use strict';
// Builds the C fixtures (test/fixtures/raw-peer.c, raw-channel-peer.c) once
// per content, with the system compiler.
const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const built = new Map();

function buildFixture(name) {
  if (built.has(name)) return built.get(name);
  const sourcePath = path.join(__dirname, '..', 'fixtures', `${name}.c`);
  const source = fs.readFileSync(sourcePath);
  const hash = crypto.createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'electron-port-rendezvous-test');
  fs.mkdirSync(dir, { recursive: true });
  const binary = path.join(dir, `${name}-${hash}`);
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
