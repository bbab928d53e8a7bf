'use strict';
// `npm run lint`: C++ formatting (clang-format, Chromium style), TS/JS
// formatting (prettier) and type checking (tsc), in one command.
// `npm run lint -- --fix` rewrites the files instead of checking them.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const fix = process.argv.includes('--fix');

function filesUnder(dir, extensions) {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true })
    .filter((file) => extensions.some((extension) => file.endsWith(extension)))
    .map((file) => path.join(dir, file));
}

function run(tool, args) {
  const binary = path.join(ROOT, 'node_modules', '.bin', tool);
  try {
    execFileSync(binary, args, { cwd: ROOT, stdio: 'inherit' });
    return true;
  } catch {
    return false;
  }
}

const cxx = [
  ...filesUnder('addon', ['.h', '.cc']),
  ...filesUnder('test/fixtures', ['.c']),
  ...filesUnder('test/native', ['.h', '.cc']),
  ...filesUnder('bench', ['.c']),
  ...filesUnder('test/support/mach-helper', ['.cc']),
];
const results = [
  run('clang-format', fix ? ['-i', ...cxx] : ['--dry-run', '--Werror', ...cxx]),
  run('prettier', [fix ? '--write' : '--check', '--log-level', 'warn', '.']),
  run('tsc', ['-p', 'tsconfig.json', '--noEmit']),
];
if (results.includes(false)) {
  console.error(fix ? 'lint: some fixes failed' : 'lint: failed (npm run lint -- --fix formats the files)');
  process.exit(1);
}
console.log('lint: clean');
