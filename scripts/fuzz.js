'use strict';
// `npm run fuzz [-- --seconds N]`: builds the libFuzzer targets in fuzz/
// (clang with -fsanitize=fuzzer,address,undefined), replays every saved
// regression input, then fuzzes each target for N seconds (default 60) from
// its seed corpus. Prints executions per target; exits non-zero on a crash,
// leaving the input in build/fuzz/crashes/.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { findClang } = require('./clang');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'build', 'fuzz');
const CRASHES = path.join(OUT, 'crashes');
const TARGETS = {
  request: ['fuzz/request_fuzzer.cc', 'addon/core/wire_format.cc'],
  reply: ['fuzz/reply_fuzzer.cc', 'addon/core/wire_format.cc'],
  channel_frames: ['fuzz/channel_frames_fuzzer.cc', 'addon/core/channel_frames.cc'],
};

function argument(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

function build(clang, name, sources) {
  const binary = path.join(OUT, `${name}_fuzzer`);
  execFileSync(
    clang,
    [
      '-std=c++17',
      '-g',
      '-O1',
      '-fsanitize=fuzzer,address,undefined',
      '-fno-sanitize-recover=undefined',
      '-I',
      path.join(ROOT, 'addon'),
      '-o',
      binary,
      ...sources.map((source) => path.join(ROOT, source)),
    ],
    { stdio: 'inherit' },
  );
  return binary;
}

const dirOf = (kind, name) => path.join(ROOT, 'fuzz', kind, name);
const filesIn = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((file) => path.join(dir, file)) : []);

function run(binary, args) {
  const result = spawnSync(binary, [`-artifact_prefix=${CRASHES}/`, ...args], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function main() {
  const seconds = Number(argument('seconds', '60'));
  const clang = findClang('fuzz');
  fs.mkdirSync(CRASHES, { recursive: true });
  let failed = false;
  for (const [name, sources] of Object.entries(TARGETS)) {
    const binary = build(clang, name, sources);
    // Every input that once crashed a target runs again first.
    const regressions = filesIn(dirOf('regressions', name));
    if (regressions.length > 0) {
      const replay = run(binary, regressions);
      console.log(`${name}: ${regressions.length} regression inputs ${replay.ok ? 'pass' : 'FAIL'}`);
      if (!replay.ok) {
        console.log(replay.output);
        failed = true;
        continue;
      }
    }
    // New corpus entries go to a scratch directory, not into the repository.
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `epr-fuzz-${name}-`));
    const fuzzing = run(binary, [
      `-max_total_time=${seconds}`,
      '-print_final_stats=1',
      '-timeout=10',
      '-rss_limit_mb=4096',
      scratch,
      dirOf('corpus', name),
    ]);
    const executions = /stat::number_of_executed_units:\s*(\d+)/.exec(fuzzing.output)?.[1] ?? '?';
    const corpus = fs.readdirSync(scratch).length;
    console.log(
      `${name}: ${executions} executions in ${seconds} s, ${corpus} new corpus inputs, ${fuzzing.ok ? 'no crash' : 'CRASH'}`,
    );
    if (!fuzzing.ok) {
      console.log(fuzzing.output.split('\n').slice(-40).join('\n'));
      failed = true;
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main();
