'use strict';
// The addon is found in a local build, a prebuild, or beside an asar archive;
// when it is nowhere, the error says everywhere it looked.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, test } = require('node:test');

const { addonCandidates, loadAddon } = require('../dist/lib/loader');

// Whichever addon this checkout loads (a local build or a prebuild).
const BUILT = addonCandidates(path.join(__dirname, '..')).find((file) => fs.existsSync(file));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'epr-loader-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function place(file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(BUILT, file);
}

test('inside an asar archive, the unpacked copy is tried first', () => {
  const root = path.join('/apps/Demo/resources/app.asar/node_modules/electron-port-rendezvous');
  const candidates = addonCandidates(root, 'linux', 'x64');
  assert.equal(
    candidates[0],
    path.join(
      '/apps/Demo/resources/app.asar.unpacked/node_modules/electron-port-rendezvous/build/Release/electron_port_rendezvous.node',
    ),
  );
  assert.ok(candidates.includes(path.join(root, 'prebuilds', 'linux-x64', 'node.napi.node')));
});

test('a prebuild for this platform and architecture is loaded', () => {
  const root = path.join(scratch, 'prebuilt');
  place(path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'node.napi.node'));
  const addon = loadAddon(root);
  assert.equal(typeof addon.performRendezvous, 'function');
});

test('an addon unpacked beside app.asar is loaded', () => {
  const resources = path.join(scratch, 'resources');
  place(
    path.join(
      resources,
      'app.asar.unpacked',
      'node_modules',
      'epr',
      'build',
      'Release',
      'electron_port_rendezvous.node',
    ),
  );
  const addon = loadAddon(path.join(resources, 'app.asar', 'node_modules', 'epr'));
  assert.equal(typeof addon.startServer, 'function');
});

test('when nothing loads, the error lists every path tried and why', () => {
  const root = path.join(scratch, 'broken');
  const corrupt = path.join(root, 'build', 'Release', 'electron_port_rendezvous.node');
  fs.mkdirSync(path.dirname(corrupt), { recursive: true });
  fs.writeFileSync(corrupt, 'not a shared object');
  assert.throws(
    () => loadAddon(root),
    (error) => {
      assert.equal(error.code, 'ERR_RENDEZVOUS_ADDON_NOT_FOUND');
      for (const candidate of addonCandidates(root)) assert.ok(error.message.includes(candidate), candidate);
      assert.match(
        error.message,
        /electron_port_rendezvous\.node \(.*(invalid ELF header|too short|not a mach-o)/i,
      );
      assert.match(error.message, /\(not found\)/);
      return true;
    },
  );
});
