'use strict';
// `npm run check:package`: what a user's `npm install` gets. Builds every
// prebuild (build:prebuilds), packs the package and checks the tarball holds
// them all; installs it with --ignore-scripts, so nothing can compile, and
// has each runtime this machine can run (Node 20 and Node 18 on linux-x64,
// arm64 Node under qemu, Windows Node under Wine, which reads the same
// extracted tree a Windows install makes) load the package's entry points
// and run a rendezvous with the prebuild its loader picked; installs it again as a user
// does, whose install step must take the prebuild and compile nothing; and
// checks that @electron/rebuild takes the prebuild too.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { runtimes } = require('./prebuilds/runtimes');
const { TARGETS } = require('./prebuilds/targets');
const { WINDOWS_NODE_LABEL, runWindowsNode } = require('./win32/toolchain');

const ROOT = path.join(__dirname, '..');
const PACKAGE = 'electron-port-rendezvous';
// The installed package, not an override, must decide which binary loads.
const env = { ...process.env };
delete env.ELECTRON_PORT_RENDEZVOUS_ADDON;
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

/** A scratch project with the tarball installed (`npm install` flags added); what npm printed. */
function installInto(project, tarball, flags) {
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  return run('npm', ['install', '--no-audit', '--no-fund', ...flags, tarball], project);
}

const API_CHECK = `
  const { RendezvousServer } = require('${PACKAGE}/main');
  if (require('${PACKAGE}').RendezvousServer !== RendezvousServer)
    throw new Error('the bare name is not the main-process API');
  const { RendezvousClient } = require('${PACKAGE}/preload');
  const server = RendezvousServer.instance();
  if (!server.endpoint) throw new Error('no endpoint');
  if (RendezvousClient.instance() !== null) throw new Error('a client without a parent server');
  server.stop();
`;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'epr-package-'));
try {
  run('npm', ['run', 'build:prebuilds'], ROOT);
  const tarball = path.join(
    scratch,
    run('npm', ['pack', '--pack-destination', scratch, '--silent'], ROOT).trim().split('\n').pop(),
  );
  const packed = new Set(run('tar', ['tzf', tarball], scratch).split('\n'));
  for (const target of TARGETS)
    for (const file of target.files)
      if (!packed.has(`package/prebuilds/${target.dir}/${file}`))
        throw new Error(`the tarball has no prebuilds/${target.dir}/${file}`);
  console.log(
    `check:package: ${path.basename(tarball)} holds all ${packed.size - 1} files, every prebuild among them`,
  );

  installInto(path.join(scratch, 'app'), tarball, ['--ignore-scripts']);
  const installed = path.join(scratch, 'app', 'node_modules', PACKAGE);
  const available = runtimes();
  const byArch = [
    [available.node20x64, 'linux-x64'],
    [available.node18x64, 'linux-x64'],
    [available.node20arm64, 'linux-arm64'],
  ];
  for (const [runtime, dir] of byArch) {
    run(runtime.command, ['-e', API_CHECK], path.dirname(path.dirname(installed)));
    const prebuild = path.join(installed, 'prebuilds', dir, 'node.napi.node');
    run(
      runtime.command,
      [path.join(__dirname, 'prebuilds', 'rendezvous-check.js'), installed, prebuild, runtime.command],
      ROOT,
    );
    console.log(
      `check:package: installed with --ignore-scripts, ${runtime.label} loads prebuilds/${dir} and hands over an fd`,
    );
  }

  // --ignore-scripts only extracts the tarball, so the tree is what a
  // Windows install gets too; Windows Node must pick prebuilds/win32-x64.
  const underWine = (args, cwd) => {
    const { status, signal, output } = runWindowsNode(args, {
      cwd,
      env: { ELECTRON_PORT_RENDEZVOUS_ADDON: '' },
    });
    if (status !== 0) throw new Error(`Windows node exited ${status ?? signal}:\n${output}`);
  };
  underWine(['-e', API_CHECK], path.dirname(path.dirname(installed)));
  underWine(
    [
      path.join(__dirname, 'prebuilds', 'rendezvous-check.js'),
      installed,
      path.join(installed, 'prebuilds', 'win32-x64', 'node.napi.node'),
    ],
    ROOT,
  );
  console.log(
    `check:package: installed with --ignore-scripts, ${WINDOWS_NODE_LABEL} loads prebuilds/win32-x64 and hands over an fd`,
  );

  // The install step a user's `npm install` runs (node-gyp-build) must take
  // the prebuild: nothing compiled, no build/ left behind.
  const project = path.join(scratch, 'app-with-scripts');
  const output = installInto(project, tarball, ['--foreground-scripts']);
  if (!output.includes('> node-gyp-build')) throw new Error(`the install step did not run:\n${output}`);
  const withScripts = path.join(project, 'node_modules', PACKAGE);
  if (fs.existsSync(path.join(withScripts, 'build')))
    throw new Error('install compiled the addon instead of using the prebuild');
  run(process.execPath, ['-e', API_CHECK], project);
  console.log('check:package: `npm install` ran its install step and compiled nothing');

  // An Electron app's build runs @electron/rebuild over its native modules:
  // it must take the Node-API prebuild rather than compile against Electron.
  run('npm', ['install', '--no-audit', '--no-fund', '@electron/rebuild@3.6.2'], project);
  const { stderr } = spawnSync(
    path.join(project, 'node_modules', '.bin', 'electron-rebuild'),
    ['--version', '39.5.0', '--module-dir', project, '--which-module', PACKAGE],
    { cwd: project, encoding: 'utf8', env: { ...env, DEBUG: 'electron-rebuild' } },
  );
  if (!/Found prebuilt Node-API module/.test(stderr)) {
    throw new Error(`@electron/rebuild did not find the prebuild:\n${stderr}`);
  }
  if (fs.existsSync(path.join(withScripts, 'build', 'Release', 'electron_port_rendezvous.node'))) {
    throw new Error('@electron/rebuild compiled the addon instead of using the prebuild');
  }
  console.log('check:package: @electron/rebuild 3.6.2 takes the Node-API prebuild; nothing compiled');
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
