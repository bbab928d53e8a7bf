'use strict';
// The addon's sources and compile flags, read from binding.gyp so they are
// written once (for the builds that do not go through node-gyp).
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

function bindingGyp() {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8'));
}

/** `os` as binding.gyp names it: 'linux' or 'mac'. Paths relative to ROOT. */
function addonSources(os) {
  const gyp = bindingGyp();
  const platform = gyp.targets[0].conditions.find(([condition]) => condition === `OS=='${os}'`)[1];
  return [...gyp.variables.core_sources, ...gyp.variables.napi_sources, ...platform.sources];
}

/** The C++ flags and defines node-gyp compiles the addon with. */
function addonCompileFlags() {
  const [target] = bindingGyp().targets;
  return [...target.cflags_cc, ...target.defines.map((define) => `-D${define}`)];
}

/** The core's unit-test addon (binding.gyp's core_unit_tests target, built
 * only in a checkout that has test/native) for `os` as binding.gyp names it,
 * its sources for that OS included. Paths relative to ROOT. */
function unitTestSources(os) {
  const gyp = bindingGyp();
  const target = (gyp.conditions ?? [])
    .flatMap(([, then]) => then.targets ?? [])
    .find((candidate) => candidate.target_name === 'core_unit_tests');
  const forOs =
    (target.conditions ?? []).find(([condition]) => condition === `OS=='${os}'`)?.[1].sources ?? [];
  return [...target.sources, ...forOs].flatMap((source) =>
    source === '<@(core_sources)' ? gyp.variables.core_sources : [source],
  );
}

module.exports = { addonCompileFlags, addonSources, unitTestSources };
