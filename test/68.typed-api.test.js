'use strict';
// The published types catch misuse: a misspelt Channel event, a listener of
// the wrong shape, a Node object given like an fd, a dgram socket with no
// family. The TypeScript compiler of this package's own dependencies
// checks test/fixtures/types/typed-api.ts against dist/*.d.ts, where each
// expect-error line must still fail to compile.
const assert = require('node:assert/strict');
const path = require('node:path');
const { test } = require('node:test');

const { compileFiles } = require('./support/typescript');

const SOURCE = path.join(__dirname, 'fixtures', 'types', 'typed-api.ts');

test('misspelt channel events and misused rights do not compile; correct uses do', () => {
  const tscReport = compileFiles(
    [SOURCE],
    [
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'commonjs',
      '--moduleResolution',
      'node',
      '--types',
      'node',
    ],
  );
  assert.equal(tscReport, '', `tsc found:\n${tscReport}`);
});
