'use strict';
// `npm run check:package`: what a user's `npm install` gets. Makes a Node-API
// prebuild for this platform, packs the package, installs the tarball into a
// scratch project, and checks that the install used the prebuild (nothing was
// compiled) and that both entry points load and work there.
const { execFileSync } = require('node:child_process');
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
  const prebuild = path.join(
    installed,
    'prebuilds',
    `${process.platform}-${process.arch}`,
    'electron-port-rendezvous.node',
  );
  if (!fs.existsSync(prebuild)) throw new Error(`the tarball has no prebuild at ${prebuild}`);
  if (fs.existsSync(path.join(installed, 'build')))
    throw new Error('install compiled the addon instead of using the prebuild');
  const check = `
    const { RendezvousServer } = require('electron-port-rendezvous/main');
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
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(path.join(ROOT, 'prebuilds'), { recursive: true, force: true });
  // prebuildify builds in build/ and leaves it empty: restore the local build.
  run('npm', ['run', 'build:addon'], ROOT);
}
