'use strict';
// `npm run check:package`: what a user's `npm install` gets. Makes a Node-API
// prebuild for this platform, packs the package, installs the tarball into a
// scratch project, and checks that the install used the prebuild (nothing was
// compiled), that both entry points load and work there, and that
// @electron/rebuild takes the prebuild too.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'epr-package-'));
try {
  run('npm', ['run', 'build:prebuild'], ROOT);
  const tarball = run('npm', ['pack', '--pack-destination', scratch, '--silent'], ROOT)
    .trim()
    .split('\n')
    .pop();
  const project = path.join(scratch, 'app');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', path.join(scratch, tarball)], project);
  const installed = path.join(project, 'node_modules', 'electron-port-rendezvous');
  const prebuild = path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`, 'node.napi.node');
  if (!fs.existsSync(prebuild)) throw new Error(`the tarball has no prebuild at ${prebuild}`);
  if (fs.existsSync(path.join(installed, 'build')))
    throw new Error('install compiled the addon instead of using the prebuild');
  const check = `
    const { RendezvousServer } = require('electron-port-rendezvous/main');
    if (require('electron-port-rendezvous').RendezvousServer !== RendezvousServer)
      throw new Error('the bare name is not the main-process API');
    const { RendezvousClient } = require('electron-port-rendezvous/preload');
    const server = RendezvousServer.instance();
    if (!server.endpoint) throw new Error('no endpoint');
    if (RendezvousClient.instance() !== null) throw new Error('a client without a parent server');
    server.stop();
  `;
  run(process.execPath, ['-e', check], project);
  console.log(
    `check:package: ${tarball} installs from its ${process.platform}-${process.arch} prebuild and works`,
  );

  // An Electron app's build runs @electron/rebuild over its native modules:
  // it must take the Node-API prebuild rather than compile against Electron.
  run('npm', ['install', '--no-audit', '--no-fund', '@electron/rebuild@3.6.2'], project);
  const { stderr } = spawnSync(
    path.join(project, 'node_modules', '.bin', 'electron-rebuild'),
    ['--version', '39.5.0', '--module-dir', project, '--which-module', 'electron-port-rendezvous'],
    { cwd: project, encoding: 'utf8', env: { ...process.env, DEBUG: 'electron-rebuild' } },
  );
  if (!/Found prebuilt Node-API module/.test(stderr)) {
    throw new Error(`@electron/rebuild did not find the prebuild:\n${stderr}`);
  }
  if (fs.existsSync(path.join(installed, 'build', 'Release', 'electron_port_rendezvous.node'))) {
    throw new Error('@electron/rebuild compiled the addon instead of using the prebuild');
  }
  console.log('check:package: @electron/rebuild 3.6.2 takes the Node-API prebuild; nothing compiled');
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(path.join(ROOT, 'prebuilds'), { recursive: true, force: true });
  // prebuildify builds in build/ and leaves it empty: restore the local build.
  run('npm', ['run', 'build:addon'], ROOT);
}
