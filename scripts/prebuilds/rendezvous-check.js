'use strict';
// A real two-process rendezvous with one given addon binary, run by the Node
// under check (any version, any architecture, emulated or not):
//   node rendezvous-check.js <package dir> <addon file> [<node for the child>]
// It runs on Linux (also emulated) and macOS alike.
// The parent forks a child with the package's fork(), moving the write end of
// a pipe to it; the child takes the fd and writes through it who it is and
// whether <addon file> is loaded in it. Exits 0 only if both processes ran
// that very binary and the bytes came through the pipe.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const { makePipe } = require('../../test/support/fds');

const [role, packageDir, addonFile, childNode] =
  process.argv[2] === '--child' ? process.argv.slice(2) : ['--parent', ...process.argv.slice(2)];
const realAddon = fs.realpathSync(addonFile);

/** Whether the addon binary is loaded into this process, by the report's list of shared objects. */
function addonMapped() {
  return process.report.getReport().sharedObjects.some((file) => {
    try {
      return fs.realpathSync(file) === realAddon;
    } catch {
      return false;
    }
  });
}

function runChild() {
  const { RendezvousClient } = require(path.join(packageDir, 'dist', 'preload'));
  const client = RendezvousClient.instance();
  const fd = client?.takeFd(1);
  if (typeof fd !== 'number') throw new Error('the child got no fd');
  const report = { pid: process.pid, node: process.version, arch: process.arch, mapped: addonMapped() };
  fs.writeSync(fd, JSON.stringify(report));
  fs.closeSync(fd);
}

function runParent() {
  const { fork } = require(path.join(packageDir, 'dist', 'main'));
  const { readFd, writeFd } = makePipe();
  const child = fork(__filename, ['--child', packageDir, addonFile], {
    ports: { 1: { fd: writeFd, disposition: 'move' } },
    // Under qemu the child is started through the same emulator wrapper.
    execPath: childNode || process.execPath,
    stdio: 'inherit',
  });
  let received = '';
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let ended;
  if (process.platform === 'win32') {
    // makePipe() gives a file there (Node makes no pipe descriptors): read
    // what the child wrote once it is gone.
    ended = exited.then(() => (received = fs.readFileSync(readFd, 'utf8')));
  } else {
    const pipe = new net.Socket({ fd: readFd, readable: true, writable: false });
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk) => (received += chunk));
    ended = new Promise((resolve) => pipe.on('end', resolve));
  }
  const timer = setTimeout(() => fail('no answer through the pipe within 60 s'), 60_000);
  function fail(reason) {
    console.error(`rendezvous-check: ${reason}`);
    child.kill();
    process.exit(1);
  }
  Promise.all([exited, ended]).then(([code]) => {
    clearTimeout(timer);
    if (code !== 0) fail(`the child exited with ${code}`);
    const report = JSON.parse(received);
    if (report.pid !== child.pid) fail(`the pipe carried pid ${report.pid}, not the child's ${child.pid}`);
    if (!report.mapped) fail(`the child did not load ${realAddon}`);
    if (!addonMapped()) fail(`the parent did not load ${realAddon}`);
    console.log(
      `rendezvous-check: node ${process.version} ${process.arch}: parent ${process.pid} and child ` +
        `${report.pid} (node ${report.node} ${report.arch}) both ran ${addonFile}; the moved pipe fd carried the child's report`,
    );
  });
}

if (role === '--child') runChild();
else runParent();
