'use strict';
// Finds the clang++ the sanitizer and fuzzing builds need, or says how to
// install it and exits.
const { execFileSync } = require('node:child_process');

function findClang(tool) {
  for (const candidate of ['clang++-14', 'clang++']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next
    }
  }
  console.error(`${tool}: clang++ not found (Debian: apt-get install clang-14 libclang-rt-14-dev)`);
  process.exit(1);
}

module.exports = { findClang };
