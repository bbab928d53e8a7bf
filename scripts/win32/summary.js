'use strict';
// test:win32's summary, read from each file's events (events-reporter.mjs):
// tests passed, failed and skipped (every skip with its reason), and files
// that did not finish. Suites are not counted; a suite that fails for a
// reason of its own (a hook, a throw while collecting) counts as one failure,
// and a skipped suite as one skip.
const fs = require('node:fs');
const path = require('node:path');

function readEvents(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

function describeError(error) {
  if (!error) return 'failed';
  return `${error.code ? `${error.code}: ` : ''}${error.message.split('\n')[0]}`;
}

/** Prints the summary; returns whether the run passed. */
function summarize(results, { root, ms, reports }) {
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  const skips = [];
  const failures = [];
  const unfinished = [];
  const retried = [];
  for (const result of results) {
    for (const name of result.retriedFor ?? []) retried.push(`${result.file}: ${name}`);
    if (result.notRun) {
      unfinished.push(`${result.file}: not started, the run's time budget was spent`);
      continue;
    }
    let failedHere = 0;
    for (const event of result.tests) {
      if (event.skip !== undefined) {
        counts.skipped++;
        skips.push(`${result.file}: ${event.name} (${event.skip === true ? 'no reason given' : event.skip})`);
      } else if (event.suite && (event.outcome === 'pass' || event.error?.failureType === 'subtestsFailed')) {
        // its tests are counted
      } else if (event.todo !== undefined) {
        counts.todo++;
      } else if (event.outcome === 'pass') {
        counts.passed++;
      } else {
        counts.failed++;
        failedHere++;
        failures.push(`${result.file}: ${event.name}: ${describeError(event.error)}`);
      }
    }
    const log = path.relative(root, result.log);
    if (result.timedOut) unfinished.push(`${result.file}: killed after its time limit (see ${log})`);
    else if (result.code !== 0 && failedHere === 0)
      unfinished.push(
        `${result.file}: exited ${result.code ?? result.signal} with no failed test (see ${log})`,
      );
  }
  console.log('\ntest:win32 summary (Windows node.exe under Wine)');
  if (skips.length) console.log(`\nskipped, with reasons:\n${skips.map((line) => `  - ${line}`).join('\n')}`);
  if (retried.length)
    console.log(
      `\nrun a second time because a process did not start (spawn UNKNOWN); counted as the second run ended:\n` +
        retried.map((line) => `  - ${line}`).join('\n'),
    );
  if (failures.length) console.log(`\nfailed:\n${failures.map((line) => `  - ${line}`).join('\n')}`);
  if (unfinished.length)
    console.log(`\nfiles that did not finish:\n${unfinished.map((l) => `  - ${l}`).join('\n')}`);
  console.log(
    `\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped` +
      `${counts.todo ? `, ${counts.todo} todo` : ''}; ${results.length} files` +
      `${unfinished.length ? ` (${unfinished.length} unfinished)` : ''} in ${(ms / 1000).toFixed(0)} s`,
  );
  console.log(`reports (TAP, events, output): ${path.relative(root, reports)}/`);
  return counts.failed === 0 && unfinished.length === 0;
}

module.exports = { readEvents, summarize };
