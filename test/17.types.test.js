'use strict';
// fork()'s published types (dist/main/index.d.ts), compiled by tsc as a
// caller's code would be: Node's ChildProcess under Node, Electron's
// UtilityProcess where Electron's types exist, and no misspelt option.
const assert = require('node:assert/strict');
const path = require('node:path');
const { test } = require('node:test');

const { compileFiles } = require('./support/typescript');

function compile(file) {
  const flags = ['--noEmit', '--skipLibCheck', '--strict', '--exactOptionalPropertyTypes', '--types', 'node'];
  const options = ['--module', 'commonjs', '--moduleResolution', 'node', '--target', 'ES2022'];
  return compileFiles([path.join(__dirname, 'types', file)], [...flags, ...options]);
}

for (const [file, where] of [
  ['fork-without-electron.ts', "with Node's types only"],
  ['fork-with-electron.ts', "with Electron's types"],
]) {
  test(`fork() types compile as expected ${where}`, () => {
    const tscReport = compile(file);
    assert.equal(tscReport, '', tscReport);
  });
}
