'use strict';
// The published types catch misuse: a misspelt Channel event, a listener of
// the wrong shape, a Node object given like an fd, a dgram socket with no
// family. The TypeScript compiler of this package's own dependencies
// checks test/fixtures/types/typed-api.ts against dist/*.d.ts, where each
// expect-error line must still fail to compile.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');

const TSC = require.resolve('typescript/bin/tsc');
const SOURCE = path.join(__dirname, 'fixtures', 'types', 'typed-api.ts');

test('misspelt channel events and misused rights do not compile; correct uses do', () => {
  const result = childProcess.spawnSync(
    process.execPath,
    [
      TSC,
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
      SOURCE,
    ],
    { encoding: 'utf8', timeout: 60000 },
  );
  assert.equal(result.error, undefined);
  assert.equal(result.status, 0, `tsc found:\n${result.stdout}${result.stderr}`);
});
