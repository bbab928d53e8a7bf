'use strict';
// Electron's executable is not node.exe: the addon binds its Node-API and
// libuv imports to whatever executable hosts it (addon/win/delay_load_hook.cc).
// Here a copy of node.exe under another name plays that host, on both sides
// of a rendezvous.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');

const skip =
  process.platform === 'win32' ? false : 'the delay-load hook binds imports to a Windows host executable';
// Kept between runs: a Windows executable's file stays busy for a while after
// it exits, so it could not be removed at the end of the test.
const HOST = path.join(__dirname, '..', 'build', 'win32-x64', 'renamed-host', 'app-host.exe');

test(
  'a host not named node.exe loads the addon, serves a rendezvous, and its child reads the file',
  { skip },
  () => {
    if (!fs.existsSync(HOST) || fs.statSync(HOST).size !== fs.statSync(process.execPath).size) {
      fs.mkdirSync(path.dirname(HOST), { recursive: true });
      fs.copyFileSync(process.execPath, HOST);
    }
    const output = childProcess.execFileSync(
      HOST,
      [path.join(__dirname, 'fixtures', 'win-renamed-host-parent.js')],
      {
        encoding: 'utf8',
        timeout: 60000,
      },
    );
    const { parent, report } = JSON.parse(output.trim().split('\n').pop());
    assert.equal(path.basename(parent).toLowerCase(), 'app-host.exe');
    assert.equal(report.ok, true, `the child's rendezvous failed: ${report.error}`);
    assert.deepEqual(report.rights, { 1: { fd: 'number', text: 'read through a renamed host' } });
  },
);
