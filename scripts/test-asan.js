'use strict';
// `npm run test:asan`: builds the addon with AddressSanitizer and
// UndefinedBehaviorSanitizer (LeakSanitizer on) and runs the whole test
// suite against it, children included.
//
// Node itself is not instrumented, so the sanitizer runtime is preloaded
// into every process of the run and reports go to files, one per process.
// A report counts against the addon when one of its stack frames is in the
// addon's own sources; leaks that only node, V8 or a tool like the C
// compiler make at exit are counted and shown apart, not failed on.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { addonSources } = require('./addon-sources');
const { classifyReports } = require('./asan-reports');
const { findClang } = require('./clang');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'build', 'asan');
const ADDON = path.join(OUT, 'electron_port_rendezvous.node');
const REPORTS = path.join(OUT, 'reports');

function build(compiler) {
  fs.mkdirSync(OUT, { recursive: true });
  execFileSync(
    compiler,
    [
      '-std=c++17',
      '-g',
      '-O1',
      '-fno-omit-frame-pointer',
      '-fsanitize=address,undefined',
      '-fno-sanitize-recover=undefined',
      '-shared-libasan',
      '-fPIC',
      '-shared',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-DNAPI_VERSION=8',
      '-DNAPI_DISABLE_CPP_EXCEPTIONS',
      '-DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
      '-I',
      path.join(ROOT, 'addon'),
      '-I',
      require('node-addon-api').include_dir,
      '-I',
      path.join(path.dirname(process.execPath), '..', 'include', 'node'),
      '-pthread',
      '-o',
      ADDON,
      ...addonSources('linux').map((source) => path.join(ROOT, source)),
    ],
    { stdio: 'inherit' },
  );
  return execFileSync(compiler, ['-print-file-name=libclang_rt.asan-x86_64.so'], { encoding: 'utf8' }).trim();
}

function main() {
  const runtime = build(findClang('test:asan'));
  fs.rmSync(REPORTS, { recursive: true, force: true });
  fs.mkdirSync(REPORTS, { recursive: true });
  const env = {
    ...process.env,
    LD_PRELOAD: runtime,
    ELECTRON_PORT_RENDEZVOUS_ADDON: ADDON,
    ASAN_OPTIONS: `detect_leaks=1:log_path=${path.join(REPORTS, 'asan')}:symbolize=1:detect_odr_violation=0`,
    // Leaks are judged from the reports, not by exit codes: node leaks a
    // little at every exit, and children's exit codes are under test.
    LSAN_OPTIONS: 'exitcode=0',
    UBSAN_OPTIONS: `print_stacktrace=1:log_path=${path.join(REPORTS, 'ubsan')}`,
  };
  const files = fs
    .readdirSync(path.join(ROOT, 'test'))
    .filter((file) => file.endsWith('.test.js'))
    .map((file) => path.join('test', file));
  const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  const { ours, counts } = classifyReports(
    fs
      .readdirSync(REPORTS)
      .map((file) => ({ file, text: fs.readFileSync(path.join(REPORTS, file), 'utf8') })),
  );
  console.log(
    `\ntest:asan: suite ${result.status === 0 ? 'passed' : 'FAILED'} against ${path.relative(ROOT, ADDON)}`,
  );
  console.log(
    `test:asan: ${ours.length} sanitizer reports in the addon's code; not counted: ${counts.foreign} leaks ` +
      `node, V8 or tools made, ${counts['node-addon-api']} of node-addon-api's bookkeeping for functions ` +
      'and classes that live until exit',
  );
  for (const report of ours) console.log(`\n${report}`);
  process.exit(result.status === 0 && ours.length === 0 ? 0 : 1);
}

main();
