'use strict';
// Builds test/fixtures/raw-peer.c once per content, with the system compiler.
const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const SOURCE = path.join(__dirname, '..', 'fixtures', 'raw-peer.c');
let built;

function rawPeerPath() {
  if (built) return built;
  const source = fs.readFileSync(SOURCE);
  const hash = crypto.createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'electron-port-rendezvous-test');
  fs.mkdirSync(dir, { recursive: true });
  const binary = path.join(dir, `raw-peer-${hash}`);
  if (!fs.existsSync(binary)) {
    const temporary = `${binary}.${process.pid}`;
    childProcess.execFileSync('cc', ['-Wall', '-Wextra', '-Werror', '-O1', '-o', temporary, SOURCE], {
      stdio: 'inherit',
    });
    fs.renameSync(temporary, binary);
  }
  built = binary;
  return built;
}

module.exports = { rawPeerPath };
