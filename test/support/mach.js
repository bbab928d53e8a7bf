'use strict';
// The macOS tests' helper addon (test/support/mach-helper), built on first
// use with the node-gyp that npm runs install scripts with; and the probe of
// the backend's Mach-free rules, built with the system compiler anywhere.
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
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

const ADDON = path.join(__dirname, '..', '..', 'addon');
const PROBE = path.join(DIR, 'rules_probe.cc');
const PROBED = ['mac/reply_rules.h', 'mac/process_match.h', 'mac/send_failure.h', 'core/right.h'].map(
  (file) => path.join(ADDON, file),
);

/** The rules probe, built once per content of it and the headers it runs. */
function rulesProbePath() {
  const hash = crypto.createHash('sha256');
  for (const file of [PROBE, ...PROBED]) hash.update(fs.readFileSync(file));
  const dir = path.join(os.tmpdir(), 'electron-port-rendezvous-test');
  const binary = path.join(dir, `rules-probe-${hash.digest('hex').slice(0, 16)}`);
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(dir, { recursive: true });
    const temporary = `${binary}.${process.pid}`;
    execFileSync('c++', ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-I', ADDON, '-o', temporary, PROBE], {
      stdio: 'inherit',
    });
    fs.renameSync(temporary, binary);
  }
  return binary;
}

/** Asks the probe each question (see rules_probe.cc); returns its answers. */
function askRules(questions) {
  const out = execFileSync(rulesProbePath(), { input: `${questions.join('\n')}\n`, encoding: 'utf8' });
  return out.trimEnd().split('\n');
}

module.exports = { askRules, machHelper, machHelperPath };
