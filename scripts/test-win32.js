'use strict';
// `npm run test:win32` (development only): the same test suite as `npm test`,
// run by Windows node.exe under Wine against the mingw-w64 cross-build.
//
//   npm run test:win32                      every test/*.test.js
//   npm run test:win32 -- test/20.x.test.js  only the files named
//   npm run test:win32 -- extra.cc           link more sources (see build-win32.js)
//
// Each file runs alone (`node --test --test-concurrency=1`) with a per-test
// timeout and an outer kill, so a hung test fails its file instead of
// hanging the run. Windows node cannot write to a Unix pipe, so every report
// goes to a file under build/win32-x64/test/; the summary printed here counts
// passes, failures and skips (each skip with its reason) and exits non-zero
// on any failure or any file that did not finish.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { readEvents, summarize } = require('./win32/summary');
const toolchain = require('./win32/toolchain');
const { buildWindowsUnitTests } = require('./build-win32');

const { ROOT, WINE, WINESERVER } = toolchain;
const OUT = path.join(ROOT, 'build', 'win32-x64');
const REPORTS = path.join(OUT, 'test');
const REPORTER = path.join(__dirname, 'win32', 'events-reporter.mjs');
// A test's own limit (node --test-timeout), then the file's outer kill.
const TEST_TIMEOUT_MS = 90_000;
const FILE_TIMEOUT_MS = Number(process.env.TEST_WIN32_FILE_TIMEOUT_MS ?? 180_000);
// The whole run stays bounded in CI: files not started by then fail.
const RUN_BUDGET_MS = Number(process.env.TEST_WIN32_BUDGET_MS ?? 14 * 60_000);

function parseArguments(argv) {
  const files = argv.filter((arg) => arg.endsWith('.test.js'));
  const sources = argv.filter((arg) => !arg.endsWith('.test.js'));
  const all = fs
    .readdirSync(path.join(ROOT, 'test'))
    .filter((name) => name.endsWith('.test.js'))
    .sort()
    .map((name) => path.join('test', name));
  return {
    files: files.length ? files.map((file) => path.relative(ROOT, path.resolve(file))) : all,
    sources,
  };
}

const UNIT_TESTS = path.join(OUT, 'core_unit_tests.node');

async function build(sources) {
  execFileSync(process.execPath, [path.join(__dirname, 'build-win32.js'), ...sources], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // test/02's core unit tests, where test/native/ exists (a checkout).
  if (fs.existsSync(path.join(ROOT, 'test', 'native'))) await buildWindowsUnitTests({ output: UNIT_TESTS });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // test/80's native peer: the handle table as the system sees it.
  execFileSync(process.execPath, [path.join(ROOT, 'test', 'fixtures', 'win-build-peer.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // test/83's native caller: Winsock sockets as BigInt SOCKET values.
  execFileSync(process.execPath, [path.join(ROOT, 'test', 'fixtures', 'win-build-socket-addon.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Runs one test file under Wine; resolves to how it ended. */
function runFile(file, { nodeExe, env }) {
  const base = path.basename(file, '.test.js');
  const events = path.join(REPORTS, `${base}.jsonl`);
  const tap = path.join(REPORTS, `${base}.tap`);
  const log = path.join(REPORTS, `${base}.log`);
  for (const report of [events, tap]) fs.rmSync(report, { force: true });
  const output = fs.openSync(log, 'w');
  const args = [
    nodeExe,
    '--test',
    '--test-concurrency=1',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    `--test-reporter=${REPORTER}`,
    `--test-reporter-destination=${events}`,
    file,
  ];
  const started = Date.now();
  // Its own process group, so the outer kill reaches the Wine processes it started.
  const child = spawn(WINE, args, { cwd: ROOT, env, stdio: ['ignore', output, output], detached: true });
  fs.closeSync(output);
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, FILE_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) restartWineserver(env);
      resolve({ file, events, log, code, signal, timedOut, ms: Date.now() - started });
    });
  });
}

/** Whether a file's only failures are tests whose process Wine did not
 * start: an error of code UNKNOWN from spawn, nothing else. */
function failedOnlyToStartProcesses(tests) {
  const failures = tests.filter(
    (event) => event.outcome === 'fail' && !(event.suite && event.error?.failureType === 'subtestsFailed'),
  );
  return (
    failures.length > 0 &&
    failures.every((event) => event.error?.code === 'UNKNOWN' && /^spawn UNKNOWN\b/.test(event.error.message))
  );
}

/** Ends every Windows process of the prefix (a killed file's children
 * outlive its process group) and keeps a fresh server resident. */
function restartWineserver(env) {
  execFileSync(WINESERVER, ['-k'], { env, stdio: 'ignore' });
  try {
    execFileSync(WINESERVER, ['-w'], { env, stdio: 'ignore', timeout: 10_000 });
  } catch {
    // -w returns an error once nothing is left to wait for
  }
  keepServerResident(env);
}

/** `wineserver -p`; it fails when a server runs already (then it is that one). */
function keepServerResident(env) {
  try {
    execFileSync(WINESERVER, ['-p'], { env, stdio: 'ignore' });
  } catch {
    // a server of this prefix is running already
  }
}

async function main() {
  toolchain.requireLinuxX64('test:win32');
  const { files, sources } = parseArguments(process.argv.slice(2));
  toolchain.ensurePackages();
  const nodeExe = toolchain.windowsNode();
  const wineEnv = toolchain.ensurePrefix();
  await build(sources);
  fs.mkdirSync(REPORTS, { recursive: true });

  const env = {
    ...wineEnv,
    ELECTRON_PORT_RENDEZVOUS_ADDON: path.join(OUT, 'electron_port_rendezvous.node'),
    ELECTRON_PORT_RENDEZVOUS_CORE_UNIT_TESTS: UNIT_TESTS,
  };
  // One resident server for the whole run (~0.5 s less per process start).
  keepServerResident(env);
  const started = Date.now();
  const results = [];
  try {
    for (const file of files) {
      if (Date.now() - started > RUN_BUDGET_MS) {
        results.push({ file, notRun: true });
        continue;
      }
      let result = await runFile(file, { nodeExe, env });
      let tests = readEvents(result.events);
      let retriedFor;
      if (failedOnlyToStartProcesses(tests)) {
        // Wine's CreateProcess fails now and then under load with an error
        // libuv does not know (spawn UNKNOWN). Such a file runs once more;
        // the summary names it, and a second failure of any kind counts.
        retriedFor = tests
          .filter((event) => event.outcome === 'fail' && !event.suite)
          .map((event) => event.name);
        console.log(`test:win32: ${file}: a process did not start (spawn UNKNOWN); running it once more`);
        restartWineserver(env);
        result = await runFile(file, { nodeExe, env });
        tests = readEvents(result.events);
      }
      results.push({ ...result, tests, retriedFor });
      const state = result.timedOut ? 'killed after timeout' : `exit ${result.code ?? result.signal}`;
      console.log(`test:win32: ${file} (${(result.ms / 1000).toFixed(1)} s, ${state})`);
    }
  } finally {
    // Only this prefix's server: whatever the run left behind ends with it.
    execFileSync(WINESERVER, ['-k'], { env, stdio: 'ignore' });
  }
  const ok = summarize(results, { root: ROOT, ms: Date.now() - started, reports: REPORTS });
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
