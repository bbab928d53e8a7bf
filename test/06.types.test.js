'use strict';
// TypeScript users import the package as they configure it: the packed
// tarball, installed into scratch projects, compiles under each module
// resolution mode, and what tsc emits runs against it.
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, before, test } = require('node:test');

const { addonCandidates } = require('../dist/lib/loader');

const ROOT = path.join(__dirname, '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const CONSUMER = path.join(__dirname, 'types', 'consumer.ts');

const MODES = [
  { name: 'commonjs (node10 resolution, tsc’s default)', module: 'commonjs', type: 'commonjs' },
  // One mode checks the declarations themselves too (a type they name but
  // the package no longer declares would pass unseen with skipLibCheck).
  { name: 'node16, declarations checked', module: 'node16', type: 'commonjs', skipLibCheck: false },
  { name: 'nodenext, as an ES module', module: 'nodenext', type: 'module' },
  { name: 'bundler', module: 'esnext', moduleResolution: 'bundler', type: 'module' },
];

const EXPECTED = {
  fork: 'function',
  constructors: ['function', 'function'],
  sameClass: true,
  pendingLaunches: 1,
  code: 'ERR_RENDEZVOUS_INVALID_PID',
  forgedLaunch: 'ERR_RENDEZVOUS_INVALID_ARGUMENT',
  constructedError: 'TypeError',
  regionBytes: 1,
  client: null,
  clientError: 'ERR_RENDEZVOUS_NO_SERVER',
};

if (!fs.existsSync(TSC)) {
  test('TypeScript consumers', { skip: 'typescript is not installed (npm install --include=dev)' }, () => {});
} else if (process.platform === 'win32') {
  // execFileSync('npm') finds no npm.cmd without a shell; a Windows variant is to come.
  test(
    'TypeScript consumers',
    { skip: 'packs with `npm` by name, which Windows starts only through a shell' },
    () => {},
  );
} else {
  const { compileProject } = require('./support/typescript');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'epr-types-'));
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  before(() => {
    // What npm publishes, unpacked where a user's install puts it.
    const tarball = execFileSync(
      'npm',
      ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    )
      .trim()
      .split('\n')
      .pop();
    const installed = path.join(scratch, 'node_modules', 'electron-port-rendezvous');
    fs.mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(scratch, tarball), '-C', installed, '--strip-components=1']);
    // The addon as an install would have built it.
    const built = addonCandidates(ROOT).find((file) => fs.existsSync(file));
    const release = path.join(installed, 'build', 'Release');
    fs.mkdirSync(release, { recursive: true });
    fs.copyFileSync(built, path.join(release, 'electron_port_rendezvous.node'));
    fs.symlinkSync(path.join(ROOT, 'node_modules', '@types'), path.join(scratch, 'node_modules', '@types'));
  });

  for (const mode of MODES) {
    test(`compiles and runs under ${mode.name}`, () => {
      const project = path.join(scratch, mode.module + (mode.moduleResolution ?? ''));
      fs.mkdirSync(project);
      fs.copyFileSync(CONSUMER, path.join(project, 'consumer.ts'));
      fs.writeFileSync(
        path.join(project, 'package.json'),
        JSON.stringify({ private: true, type: mode.type }),
      );
      const compilerOptions = {
        module: mode.module,
        target: 'es2022',
        strict: true,
        skipLibCheck: mode.skipLibCheck ?? true,
        types: ['node'],
        outDir: 'out',
        ...(mode.moduleResolution && { moduleResolution: mode.moduleResolution }),
      };
      fs.writeFileSync(
        path.join(project, 'tsconfig.json'),
        JSON.stringify({ compilerOptions, files: ['consumer.ts'] }),
      );

      const tscReport = compileProject(path.join(project, 'tsconfig.json'));
      assert.equal(tscReport, '', `tsc failed:\n${tscReport}`);
      const ran = spawnSync(process.execPath, [path.join(project, 'out', 'consumer.js')], {
        cwd: project,
        encoding: 'utf8',
      });
      assert.equal(ran.status, 0, `the compiled consumer failed:\n${ran.stderr}`);
      assert.deepEqual(JSON.parse(ran.stdout), EXPECTED);
    });
  }
}
