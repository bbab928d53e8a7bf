'use strict';
// The platform seam holds (docs/platforms.md, "The seam"): the core and the
// bindings include no OS header and choose nothing by platform, so a backend
// is its folder plus its block in binding.gyp; and every backend source is
// built by its own block only.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');

const ROOT = path.join(__dirname, '..');
const SHARED = ['addon/core', 'addon/napi'];
// Headers of an OS rather than of the C++ library or of Node.
const OS_HEADER =
  /^#\s*include\s*<(unistd\.h|fcntl\.h|poll\.h|pthread\.h|dlfcn\.h|signal\.h|sys\/[^>]+|linux\/[^>]+|mach\/[^>]+|mach-o\/[^>]+|dispatch\/[^>]+|libproc\.h|bootstrap\.h|servers\/[^>]+|windows\.h|winsock2\.h)>/;
const PLATFORM_TEST =
  /^#\s*(if|ifdef|ifndef|elif)\b.*\b(__linux__|__APPLE__|__MACH__|_WIN32|_WIN64|__unix__)\b/;

// Sources are named as binding.gyp names them, with '/' on every platform.
function sourcesUnder(dir) {
  const full = path.join(ROOT, dir);
  return fs
    .readdirSync(full, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? sourcesUnder(path.posix.join(dir, entry.name))
        : /\.(cc|h)$/.test(entry.name)
          ? [path.posix.join(dir, entry.name)]
          : [],
    );
}

test('the core and the bindings include no OS header and test no platform', () => {
  const found = [];
  for (const file of SHARED.flatMap(sourcesUnder)) {
    fs.readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (OS_HEADER.test(line) || PLATFORM_TEST.test(line))
          found.push(`${file}:${index + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(found, []);
});

test('each backend folder is built by its own binding.gyp block only', () => {
  const gyp = fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8');
  const addonTarget = gyp.slice(0, gyp.indexOf('"target_name": "core_unit_tests"'));
  const blocks = [...addonTarget.matchAll(/"OS=='(\w+)'",\s*\{\s*"sources":\s*\[([^\]]*)\]/g)].map(
    ([, os, list]) => ({
      os,
      sources: [...list.matchAll(/"([^"]+)"/g)].map(([, source]) => source),
    }),
  );
  const backendOf = { linux: 'addon/linux/', mac: 'addon/mac/', win: 'addon/win/' };
  // Built outside the block: node-gyp's MSVC build links its own delay-load
  // hook, and scripts/build-win32.js adds this one to the mingw-w64 build.
  const builtOutsideTheBlock = ['addon/win/delay_load_hook.cc'];
  assert.deepEqual(blocks.map((block) => block.os).sort(), Object.keys(backendOf).sort());
  for (const { os, sources } of blocks) {
    for (const [other, folder] of Object.entries(backendOf)) {
      if (other === os) continue;
      assert.deepEqual(
        sources.filter((source) => source.startsWith(folder)),
        [],
        `${os}'s block builds none of ${folder}`,
      );
    }
    const own = sourcesUnder(backendOf[os].slice(0, -1)).filter((file) => file.endsWith('.cc'));
    assert.deepEqual(
      own.filter((file) => !sources.includes(file) && !builtOutsideTheBlock.includes(file)),
      [],
      `every source in ${backendOf[os]} is in ${os}'s block`,
    );
  }
  // Outside the blocks, no source of a backend or of addon/posix is listed
  // for the addon (the unit-test addon, which the next test looks at, is not
  // a backend).
  const outside = addonTarget.replace(/"OS=='\w+'",\s*\{\s*"sources":\s*\[[^\]]*\]/g, '');
  assert.doesNotMatch(outside, /"addon\/(linux|mac|posix|win)\/[^"]+\.cc"/);
});

test("the unit-test addon takes a backend's sources in that OS's block only", () => {
  const gyp = JSON.parse(fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8'));
  const target = gyp.conditions
    .flatMap(([, then]) => then.targets ?? [])
    .find((candidate) => candidate.target_name === 'core_unit_tests');
  const folderOf = { linux: 'addon/linux/', mac: 'addon/mac/', win: 'addon/win/' };
  assert.deepEqual(
    target.sources.filter((source) => Object.values(folderOf).some((folder) => source.startsWith(folder))),
    [],
  );
  for (const [condition, then] of target.conditions) {
    const os = /^OS=='(\w+)'$/.exec(condition)?.[1];
    assert.ok(os in folderOf, `a block for an OS: ${condition}`);
    for (const source of then.sources ?? [])
      assert.ok(
        source.startsWith(folderOf[os]) || source.startsWith('test/native/'),
        `${os}'s block: ${source}`,
      );
  }
});
