'use strict';
// The addon's source list for one OS, read from binding.gyp so it is written
// once (for the builds that do not go through node-gyp).
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

function readGyp() {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8'));
}

/** `os` as binding.gyp names it: 'linux' or 'mac'. Paths relative to ROOT. */
function addonSources(os) {
  const gyp = readGyp();
  const platform = gyp.targets[0].conditions.find(([condition]) => condition === `OS=='${os}'`)[1];
  return [...gyp.variables.core_sources, ...gyp.variables.napi_sources, ...platform.sources];
}

/** The core's unit-test addon (binding.gyp's core_unit_tests target, built
 * only in a checkout that has test/native). Paths relative to ROOT. */
function unitTestSources() {
  const gyp = readGyp();
  const target = (gyp.conditions ?? [])
    .flatMap(([, then]) => then.targets ?? [])
    .find((candidate) => candidate.target_name === 'core_unit_tests');
  return target.sources.flatMap((source) =>
    source === '<@(core_sources)' ? gyp.variables.core_sources : [source],
  );
}

module.exports = { addonSources, unitTestSources };
