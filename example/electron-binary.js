'use strict';
// Where the example's Electron binary is, or null when there is none (the
// electron package absent, or present without its downloaded binary).
const fs = require('node:fs');

function electronBinary() {
  try {
    const binary = require(require.resolve('electron', { paths: [__dirname] }));
    return typeof binary === 'string' && fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

module.exports = { electronBinary };
