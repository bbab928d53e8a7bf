'use strict';
// `npm test` runs this first (`pretest`), so the suite always runs against
// what the sources say now, never a stale dist/ or addon:
// - the addon: `node-gyp build` (make: only what changed, and the Makefile
//   regenerates itself when binding.gyp changes), configured first when
//   build/ never was, as after an install that took a prebuild (the loader
//   prefers build/Release over prebuilds/);
// - the TypeScript: `tsc -b`, which compares sources against the outputs
//   themselves, so a deleted or older output is built again;
// - outputs whose source is gone are removed, so no test can load them.
// Then it checks what it promised: every source has an output at least as
// new as itself.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const BUILD = path.join(ROOT, 'build');
const DIST = path.join(ROOT, 'dist');
const SOURCE_DIRS = ['lib', 'main', 'preload'];
// tsc -b keeps its build info beside the outputs unless told otherwise, and
// dist/ is published: this config puts it under build/ instead.
const PRETEST_CONFIG = path.join(BUILD, 'tsconfig.pretest.json');
const OUTPUT_SUFFIXES = ['.js', '.js.map', '.d.ts', '.d.ts.map'];

/** Runs a build step quietly; its whole output is shown when it fails. */
function run(command, args) {
  try {
    execFileSync(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    console.error(`pretest: ${path.basename(command)} ${args.join(' ')} failed; the tests did not run`);
    process.exit(1);
  }
}

function nodeGyp(command) {
  // Under npm, the node-gyp npm bundles (what `npm install` used); else PATH.
  const bundled = process.env.npm_config_node_gyp;
  if (bundled) run(process.execPath, [bundled, command]);
  else run('node-gyp', [command]);
}

function buildAddon() {
  // configure, not rebuild: a rebuild would first delete all of build/,
  // the sanitizer and macOS builds beside it included.
  if (!['config.gypi', 'Makefile'].every((file) => fs.existsSync(path.join(BUILD, file))))
    nodeGyp('configure');
  nodeGyp('build');
}

/** Writes the file only when its text changes: tsc -b counts the config's
 * age as an input's. */
function writeIfChanged(file, text) {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

function sourceOf(output) {
  const relative = path.relative(DIST, output);
  const suffix = OUTPUT_SUFFIXES.find((candidate) => relative.endsWith(candidate));
  return suffix && path.join(ROOT, relative.slice(0, -suffix.length) + '.ts');
}

function removeOrphans() {
  for (const output of SOURCE_DIRS.flatMap((dir) => filesUnder(path.join(DIST, dir)))) {
    const source = sourceOf(output);
    if (source && !fs.existsSync(source)) {
      fs.unlinkSync(output);
      console.log(`pretest: removed ${path.relative(ROOT, output)} (its source is gone)`);
    }
  }
}

function buildTypeScript() {
  writeIfChanged(
    PRETEST_CONFIG,
    `${JSON.stringify(
      { extends: '../tsconfig.json', compilerOptions: { tsBuildInfoFile: './dist.tsbuildinfo' } },
      null,
      2,
    )}\n`,
  );
  run(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-b', PRETEST_CONFIG]);
  removeOrphans();
}

function checkNothingStale() {
  const stale = [];
  for (const source of SOURCE_DIRS.flatMap((dir) => filesUnder(path.join(ROOT, dir)))) {
    if (!source.endsWith('.ts') || source.endsWith('.d.ts')) continue;
    const output = path.join(DIST, path.relative(ROOT, source)).replace(/\.ts$/, '.js');
    if (!fs.existsSync(output) || fs.statSync(output).mtimeMs < fs.statSync(source).mtimeMs) {
      stale.push(path.relative(ROOT, output));
    }
  }
  if (stale.length > 0) {
    throw new Error(`pretest: these outputs are older than their sources: ${stale.join(', ')}`);
  }
}

buildAddon();
buildTypeScript();
checkNothingStale();
