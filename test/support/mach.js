'use strict';
// The macOS tests' helper addon (test/support/mach-helper), built on first
// use with the node-gyp that npm runs install scripts with.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const DIR = path.join(__dirname, 'mach-helper');
const BINARY = path.join(DIR, 'build', 'Release', 'mach_helper.node');

function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  return path.join(
    path.dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
}

/** The helper's path, built if needed. macOS only. */
function machHelperPath() {
  if (!fs.existsSync(BINARY)) {
    execFileSync(process.execPath, [nodeGyp(), 'rebuild'], { cwd: DIR, stdio: 'inherit' });
  }
  return BINARY;
}

function machHelper() {
  return require(machHelperPath());
}

module.exports = { machHelper, machHelperPath };
