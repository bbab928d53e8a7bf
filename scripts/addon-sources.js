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

module.exports = { addonCompileFlags, addonSources };
