'use strict';
// `npm run test:asan`: builds the addon and the core's unit-test addon with
// AddressSanitizer and UndefinedBehaviorSanitizer (LeakSanitizer on) and
// runs the whole test suite against them, children included.
//
// Node itself is not instrumented, so the sanitizer runtime is preloaded
// into every process of the run and reports go to files, one per process.
// A report counts against the addon when one of its stack frames is in the
// addon's own sources; leaks that only node, V8 or a tool like the C
// compiler make at exit are counted and shown apart, not failed on.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { addonSources, unitTestSources } = require('./addon-sources');
const { classifyReports } = require('./asan-reports');
const { findClang } = require('./clang');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'build', 'asan');
const ADDON = path.join(OUT, 'electron_port_rendezvous.node');
const UNIT_TESTS = path.join(OUT, 'core_unit_tests.node');
const REPORTS = path.join(OUT, 'reports');
// The suite takes about 3 minutes here; a run still going after this is hung.
const RUN_TIMEOUT_MS = 30 * 60 * 1000;

function build(compiler) {
  fs.mkdirSync(OUT, { recursive: true });
  const flags = [
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
  ];
  const link = (output, sources) =>
    execFileSync(compiler, [...flags, '-o', output, ...sources.map((source) => path.join(ROOT, source))], {
      stdio: 'inherit',
    });
  link(ADDON, addonSources('linux'));
  link(UNIT_TESTS, unitTestSources('linux'));
  return execFileSync(compiler, ['-print-file-name=libclang_rt.asan-x86_64.so'], { encoding: 'utf8' }).trim();
}

// The runtime is preloaded into every process of the run, and would be into
// the symbolizer it starts to write each report too, where it can deadlock;
// a stuck symbolizer then holds a test file's stderr open and the runner
// waits for ever. The sanitizers are pointed at a symbolizer started
// without it.
function symbolizerWithoutRuntime(compiler) {
  const real = execFileSync(compiler, ['-print-prog-name=llvm-symbolizer'], { encoding: 'utf8' }).trim();
  if (!path.isAbsolute(real) || !fs.existsSync(real)) {
    console.error(
      `test:asan: llvm-symbolizer not found beside ${compiler} (Debian: apt-get install llvm-14)`,
    );
    process.exit(1);
  }
  const dir = path.join(OUT, 'bin');
  fs.mkdirSync(dir, { recursive: true });
  // The sanitizers choose how to talk to it by its name.
  const wrapper = path.join(dir, 'llvm-symbolizer');
  fs.writeFileSync(wrapper, `#!/bin/sh\nunset LD_PRELOAD\nexec ${JSON.stringify(real)} "$@"\n`, {
    mode: 0o755,
  });
  return wrapper;
}

/**
 * Runs the suite in a process group of its own and resolves to its exit
 * status. A run still going after RUN_TIMEOUT_MS is hung: the whole group
 * (runner, test files and anything they left running) is killed, so no
 * instrumented process is left writing reports while they are read.
 */
function runSuite(files, env) {
  return new Promise((resolve) => {
    const runner = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
      cwd: ROOT,
      env,
      stdio: 'inherit',
      detached: true,
    });
    const timer = setTimeout(() => {
      console.error(
        `test:asan: the suite was still running after ${RUN_TIMEOUT_MS / 60000} minutes; stopped`,
      );
      process.kill(-runner.pid, 'SIGKILL');
    }, RUN_TIMEOUT_MS);
    runner.on('exit', (code) => {
      clearTimeout(timer);
      // Whatever the finished run left behind goes too.
      try {
        process.kill(-runner.pid, 'SIGKILL');
      } catch {
        // nothing left
      }
      resolve(code ?? 1);
    });
  });
}

async function main() {
  const compiler = findClang('test:asan');
  const runtime = build(compiler);
  const symbolizer = symbolizerWithoutRuntime(compiler);
  fs.rmSync(REPORTS, { recursive: true, force: true });
  fs.mkdirSync(REPORTS, { recursive: true });
  const env = {
    ...process.env,
    LD_PRELOAD: runtime,
    ELECTRON_PORT_RENDEZVOUS_ADDON: ADDON,
    ELECTRON_PORT_RENDEZVOUS_CORE_UNIT_TESTS: UNIT_TESTS,
    ASAN_OPTIONS:
      `detect_leaks=1:log_path=${path.join(REPORTS, 'asan')}:symbolize=1:detect_odr_violation=0:` +
      `external_symbolizer_path=${symbolizer}`,
    // Leaks are judged from the reports, not by exit codes: node leaks a
    // little at every exit, and children's exit codes are under test.
    LSAN_OPTIONS: `exitcode=0:external_symbolizer_path=${symbolizer}`,
    UBSAN_OPTIONS: `print_stacktrace=1:log_path=${path.join(REPORTS, 'ubsan')}:external_symbolizer_path=${symbolizer}`,
  };
  const files = fs
    .readdirSync(path.join(ROOT, 'test'))
    .filter((file) => file.endsWith('.test.js'))
    .map((file) => path.join('test', file));
  const status = await runSuite(files, env);
  const { ours, counts } = classifyReports(
    fs
      .readdirSync(REPORTS)
      .map((file) => ({ file, text: fs.readFileSync(path.join(REPORTS, file), 'utf8') })),
  );
  console.log(
    `\ntest:asan: suite ${status === 0 ? 'passed' : 'FAILED'} against ${path.relative(ROOT, ADDON)} ` +
      `and ${path.relative(ROOT, UNIT_TESTS)}`,
  );
  console.log(
    `test:asan: ${ours.length} sanitizer reports in the addon's code; not counted: ${counts.foreign} leaks ` +
      `node, V8 or tools made, ${counts['node-addon-api']} of node-addon-api's bookkeeping for functions ` +
      'and classes that live until exit',
  );
  for (const report of ours) console.log(`\n${report}`);
  process.exit(status === 0 && ours.length === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
