import type { ForgeConfig } from '@electron-forge/shared-types';

// Packaged with asar; the auto-unpack-natives plugin moves the addon's .node
// beside the archive (app.asar.unpacked), where the package's loader looks.
const config: ForgeConfig = {
  packagerConfig: {
    asar: true,
    ignore: [/^\/(out|node_modules\/\.cache)(\/|$)/, /\.tgz$/],
  },
  plugins: [{ name: '@electron-forge/plugin-auto-unpack-natives', config: {} }],
};

export default config;
