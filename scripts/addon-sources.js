'use strict';
// The addon's source list for one OS, read from binding.gyp so it is written
// once (for the builds that do not go through node-gyp).
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

/** `os` as binding.gyp names it: 'linux' or 'mac'. Paths relative to ROOT. */
function addonSources(os) {
  const gyp = JSON.parse(fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8'));
  const platform = gyp.targets[0].conditions.find(([condition]) => condition === `OS=='${os}'`)[1];
  return [...gyp.variables.core_sources, ...gyp.variables.napi_sources, ...platform.sources];
}

module.exports = { addonSources };
