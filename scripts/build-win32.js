'use strict';
// `npm run build:win32` (development only): cross-builds the addon for
// Windows x64 with mingw-w64 into build/win32-x64/, for test:win32 to load in
// Windows Node under Wine, and (buildWindowsAddon) the win32-x64 prebuild
// the package ships. binding.gyp's OS=='win' block builds the same sources
// with MSVC through node-gyp on Windows, where no prebuild fits.
//
// Every Node-API and libuv import is delay-loaded from "node.exe" and bound
// to the host executable by addon/win/delay_load_hook.cc, so the same binary
// loads in Electron. The import library is made from node-api-headers' list
// of Node-API exports plus the libuv functions the objects actually call.
//
// Arguments name more sources to link in (relative to the checkout), for
// trying one part of the backend before the rest of it exists.
const { execFile, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { promisify } = require('node:util');

const { addonCompileFlags, addonSources, unitTestSources } = require('./addon-sources');
const { CXX, MINGW_PREFIX, ROOT, ensurePackages, requireLinuxX64 } = require('./win32/toolchain');

const OUT = path.join(ROOT, 'build', 'win32-x64');
const OBJ = path.join(OUT, 'obj');
const HOOK = 'addon/win/delay_load_hook.cc';
const NODE_API_DEF = path.join(
  path.dirname(require.resolve('node-api-headers/package.json')),
  'def',
  'node_api.def',
);
const NODE_API_INCLUDE = path.join(path.dirname(NODE_API_DEF), '..', 'include');
// libuv's headers (uv.h picks uv/win.h under _WIN32) from the Node headers
// node-gyp builds the Linux addon against.
const UV_INCLUDE = process.env.NODE_HEADERS_DIR ?? '/usr/include/node';

const COMPILE_FLAGS = [
  ...addonCompileFlags().filter((flag) => flag !== '-fvisibility=hidden'),
  '-O2',
  '-D_WIN32_WINNT=0x0A00',
  '-DWIN32_LEAN_AND_MEAN',
  '-DNOMINMAX',
  // C99 printf (%zu and friends) rather than msvcrt's.
  '-D__USE_MINGW_ANSI_STDIO=1',
  '-DUNICODE',
  '-D_UNICODE',
  // Node-API's own headers first: the Node headers' copies may be older.
  `-I${NODE_API_INCLUDE}`,
  `-I${require('node-addon-api').include_dir}`,
  `-I${UV_INCLUDE}`,
  `-I${path.join(ROOT, 'addon')}`,
];

/** Whether `object` is older than its source or any header it included last time. */
function stale(object, depfile, source) {
  if (!fs.existsSync(object) || !fs.existsSync(depfile)) return true;
  const built = fs.statSync(object).mtimeMs;
  const inputs = fs
    .readFileSync(depfile, 'utf8')
    .replace(/\\\n/g, ' ')
    .split(/:\s/)
    .slice(1)
    .join(' ')
    .split(/\s+/)
    .filter(Boolean);
  return [source, ...inputs].some((input) => !fs.existsSync(input) || fs.statSync(input).mtimeMs > built);
}

async function compileAll(sources, extraFlags = []) {
  const run = promisify(execFile);
  const objects = [];
  const queue = [];
  for (const source of sources) {
    const object = path.join(OBJ, `${source.replace(/[\\/]/g, '_')}.o`);
    const depfile = `${object}.d`;
    objects.push(object);
    const absolute = path.join(ROOT, source);
    if (stale(object, depfile, absolute))
      queue.push(() =>
        run(CXX, [
          ...COMPILE_FLAGS,
          ...extraFlags,
          '-MMD',
          '-MF',
          depfile,
          '-c',
          absolute,
          '-o',
          object,
        ]).catch((error) => {
          process.stderr.write(error.stderr || String(error));
          throw new Error(`build:win32: ${source} did not compile`);
        }),
      );
  }
  const workers = Array.from({ length: Math.max(1, require('node:os').cpus().length) }, async () => {
    while (queue.length) await queue.shift()();
  });
  await Promise.all(workers);
  return objects;
}

/** The delay-load import library for every Node-API and libuv symbol the objects use. */
function hostImportLibrary(objects, output) {
  const undefinedSymbols = execFileSync(`${MINGW_PREFIX}nm`, ['-u', '--format=just-symbols', ...objects], {
    encoding: 'utf8',
  })
    .split('\n')
    .map((line) => line.trim())
    .filter((symbol) => /^uv_[a-z0-9_]+$/.test(symbol));
  const uv = [...new Set(undefinedSymbols)].sort();
  const napi = fs.readFileSync(NODE_API_DEF, 'utf8').split(/\r?\n/).slice(2).filter(Boolean);
  // One per binary: each names the libuv functions its own objects call.
  const stem = path.join(OUT, path.basename(output, '.node'));
  const def = `${stem}.host.def`;
  fs.writeFileSync(def, ['LIBRARY node.exe', 'EXPORTS', ...napi, ...uv, ''].join('\n'));
  const library = `${stem}.host_delay.a`;
  execFileSync(`${MINGW_PREFIX}dlltool`, ['-d', def, '-y', library, '-D', 'node.exe']);
  return library;
}

/**
 * Compiles and links the addon (plus `extraSources`, relative to the
 * checkout) into `output`: one self-contained, stripped DLL.
 */
async function buildWindowsAddon({ output, extraSources = [] }) {
  requireLinuxX64('build:win32');
  ensurePackages();
  fs.mkdirSync(OBJ, { recursive: true });
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const sources = [...addonSources('win'), HOOK, ...extraSources];
  const objects = await compileAll(sources);
  link(objects, output);
  return { sources };
}

function link(objects, output) {
  execFileSync(
    CXX,
    [
      '-shared',
      '-o',
      output,
      ...objects,
      hostImportLibrary(objects, output),
      // One self-contained DLL: no libstdc++, libgcc or winpthreads DLL beside it.
      '-static',
      '-static-libgcc',
      '-static-libstdc++',
      '-s',
      '-lws2_32',
    ],
    { stdio: 'inherit' },
  );
}

// The unit-test addon's POSIX-only parts: ScopedFd's cases and
// ChannelDriver's, which run on pipes through uv_poll.
const POSIX_UNIT_TEST_SOURCES = new Set([
  'test/native/scoped_fd_test.cc',
  'test/native/channel_driver_test.cc',
  'addon/posix/uv_poll_source.cc',
]);

/** The core's unit-test addon (test/02) for Windows, into `output`. */
async function buildWindowsUnitTests({ output }) {
  requireLinuxX64('build:win32');
  ensurePackages();
  fs.mkdirSync(OBJ, { recursive: true });
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const sources = [...unitTestSources('win').filter((source) => !POSIX_UNIT_TEST_SOURCES.has(source)), HOOK];
  const objects = await compileAll(sources, ['-I', path.join(ROOT, 'test', 'native')]);
  link(objects, output);
  return { sources };
}

module.exports = { buildWindowsAddon, buildWindowsUnitTests };

if (require.main === module) {
  const output = path.join(OUT, 'electron_port_rendezvous.node');
  buildWindowsAddon({ output, extraSources: process.argv.slice(2) }).then(
    ({ sources }) =>
      console.log(`build:win32: ${path.relative(ROOT, output)} from ${sources.length} sources`),
    (error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
