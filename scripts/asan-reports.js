'use strict';
// Sorts sanitizer reports by whose code they are about (see
// scripts/test-asan.js): { file, text } per report file in, the addon's own
// reports and counts of everyone else's out.

// The addon's own code, and the core's unit tests with their fakes (a right
// the table never released was allocated by a test).
const OWN_FRAME = /\/(addon\/(core|linux|mac|napi|posix)|test\/native)\//;
const ALLOCATOR_FRAME =
  /in (operator new|malloc|calloc|realloc|posix_memalign|aligned_alloc|strdup)\b|libclang_rt|libstdc\+\+/;

/** Whose a leak is: the code that asked for the memory, i.e. the first
 * frame below the allocator. */
function leakOwner(report) {
  const frames = report.split('\n').filter((line) => /^\s+#\d+ /.test(line));
  const caller = frames.find((frame) => !ALLOCATOR_FRAME.test(frame)) ?? '';
  if (OWN_FRAME.test(caller)) return 'addon';
  if (/node-addon-api/.test(caller)) return 'node-addon-api';
  return 'foreign';
}

/** Sorts every report: memory errors and undefined behaviour anywhere in
 * the addon's frames count; a leak counts when the addon's own code made
 * the allocation. */
function classifyReports(files) {
  const ours = [];
  const counts = { foreign: 0, 'node-addon-api': 0 };
  for (const { file, text } of files) {
    const reports = text.split(/\n(?=(?:Direct|Indirect) leak of|==\d+==ERROR|\S+: runtime error)/);
    for (const report of reports) {
      const isLeak = /^(Direct|Indirect) leak of/.test(report.trim());
      const isError = /==\d+==ERROR: AddressSanitizer(?!: detected memory leaks)|runtime error/.test(report);
      if (!isLeak && !isError) continue;
      const owner = isLeak ? leakOwner(report) : OWN_FRAME.test(report) ? 'addon' : 'foreign';
      if (owner === 'addon') ours.push(`${file}:\n${report.trim()}`);
      else counts[owner] += 1;
    }
  }
  return { ours, counts };
}

module.exports = { classifyReports, leakOwner };
