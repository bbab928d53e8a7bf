'use strict';
// fork()'s published types (dist/main/index.d.ts), compiled by tsc as a
// caller's code would be: Node's ChildProcess under Node, Electron's
// UtilityProcess where Electron's types exist, and no misspelt option.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');

const ROOT = path.join(__dirname, '..');

function compile(file) {
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  const flags = ['--noEmit', '--skipLibCheck', '--strict', '--exactOptionalPropertyTypes', '--types', 'node'];
  const options = ['--module', 'commonjs', '--moduleResolution', 'node', '--target', 'ES2022'];
  return spawnSync(tsc, [...flags, ...options, path.join(__dirname, 'types', file)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
}

for (const [file, where] of [
  ['fork-without-electron.ts', "with Node's types only"],
  ['fork-with-electron.ts', "with Electron's types"],
]) {
  test(`fork() types compile as expected ${where}`, () => {
    const result = compile(file);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });
}
