'use strict';
// The addon is found in a local build, the prebuild for this platform, arch
// and C library, or beside an asar archive; when it is nowhere, the error says
// everywhere it looked.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, test } = require('node:test');

const { ADDON_PATH_VARIABLE, addonCandidates, loadAddon, runtimeLibc } = require('../dist/lib/loader');

// Whichever addon this process loads: the build the variable names (a
// sanitizer or cross build), else a local build or a prebuild.
const BUILT =
  process.env[ADDON_PATH_VARIABLE] ||
  addonCandidates(path.join(__dirname, '..')).find((file) => fs.existsSync(file));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'epr-loader-'));
after(() => {
  try {
    fs.rmSync(scratch, { recursive: true, force: true });
  } catch (error) {
    // Windows cannot delete a module this process has loaded: those copies
    // stay in the temporary directory.
    if (!(process.platform === 'win32' && error.code === 'EPERM')) throw error;
  }
});

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

/** The prebuild file names tried for a host, in order. */
function prebuildsTried(platform, arch, libc) {
  const root = path.join('/pkg');
  return addonCandidates(root, platform, arch, libc)
    .filter((file) => file.startsWith(path.join(root, 'prebuilds')))
    .map((file) => path.relative(path.join(root, 'prebuilds'), file));
}

test('on glibc only the untagged prebuild is tried, never the musl one', () => {
  assert.deepEqual(prebuildsTried('linux', 'x64', 'glibc'), [path.join('linux-x64', 'node.napi.node')]);
});

test('on musl the musl prebuild is tried first, then the untagged one as node-gyp-build would', () => {
  assert.deepEqual(prebuildsTried('linux', 'x64', 'musl'), [
    path.join('linux-x64', 'node.napi.musl.node'),
    path.join('linux-x64', 'node.napi.node'),
  ]);
});

test('on arm64 the .armv8 name @electron/rebuild looks for is tried after the untagged one', () => {
  const arm64 = [
    path.join('linux-arm64', 'node.napi.node'),
    path.join('linux-arm64', 'node.napi.armv8.node'),
  ];
  assert.deepEqual(prebuildsTried('linux', 'arm64', 'glibc'), arm64);
  assert.deepEqual(prebuildsTried('darwin', 'arm64', null), [
    path.join('darwin-arm64', 'node.napi.node'),
    path.join('darwin-arm64', 'node.napi.armv8.node'),
  ]);
  assert.deepEqual(prebuildsTried('darwin', 'x64', null), [path.join('darwin-x64', 'node.napi.node')]);
});

test(
  'the C library found for this process is the one its process report names',
  { skip: process.platform !== 'linux' && 'only Linux has more than one C library' },
  () => {
    const { glibcVersionRuntime } = process.report.getReport().header;
    assert.equal(runtimeLibc(), glibcVersionRuntime ? 'glibc' : 'musl');
  },
);

test(
  'a glibc process does not load a prebuild named for musl, and says what it tried',
  {
    skip:
      process.platform !== 'linux'
        ? 'only Linux has musl prebuilds'
        : runtimeLibc() !== 'glibc' && 'this process runs on musl, where the musl name is the one to load',
  },
  () => {
    // A binary that would load here, under the musl name only.
    const root = path.join(scratch, 'musl-only');
    place(path.join(root, 'prebuilds', `linux-${process.arch}`, 'node.napi.musl.node'));
    assert.throws(
      () => loadAddon(root),
      (error) => {
        assert.equal(error.code, 'ERR_RENDEZVOUS_ADDON_NOT_FOUND');
        assert.match(error.message, new RegExp(`linux-${process.arch} \\(${runtimeLibc()}\\)`));
        assert.ok(
          error.message.includes(path.join(root, 'prebuilds', `linux-${process.arch}`, 'node.napi.node')),
        );
        assert.ok(!error.message.includes('node.napi.musl.node'));
        return true;
      },
    );
  },
);

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
        // dlopen's words on Linux and macOS, LoadLibrary's on Windows.
        /electron_port_rendezvous\.node \(.*(invalid ELF header|too short|not a mach-o|not a valid Win32 application|Bad EXE format)/i,
      );
      assert.match(error.message, /\(not found\)/);
      return true;
    },
  );
});
