'use strict';
// What `npm publish` would send: a licence for the declared licence, one
// repository named everywhere, Markdown whose links work where it is read,
// source maps whose sources travel with them, and docs for every export.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');

const ROOT = path.join(__dirname, '..');
if (process.platform === 'win32') {
  test('the published package', {
    skip: 'runs `npm pack` by name, which Windows starts only through a shell',
  });
  return;
}
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const [{ files }] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }),
);
const PACKED = new Set(files.map((file) => file.path));
const REPOSITORY = PACKAGE.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
const read = (file) => fs.readFileSync(path.join(ROOT, file), 'utf8');

test('the tarball carries the MIT licence the package declares', () => {
  assert.equal(PACKAGE.license, 'MIT');
  assert.ok(PACKED.has('LICENSE'), 'LICENSE is packed');
  const licence = read('LICENSE');
  assert.match(licence, /^MIT License\n/);
  assert.match(licence, /^Copyright \(c\) \d{4} electron-port-rendezvous contributors$/m);
  assert.match(licence, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
});

test('repository, homepage and bugs name the same repository; keywords are set', () => {
  assert.match(REPOSITORY, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/);
  assert.equal(PACKAGE.repository.type, 'git');
  assert.equal(PACKAGE.homepage, `${REPOSITORY}#readme`);
  assert.equal(PACKAGE.bugs.url, `${REPOSITORY}/issues`);
  assert.ok(Array.isArray(PACKAGE.keywords) && PACKAGE.keywords.includes('electron'));
});

/** GitHub's anchor for a heading. */
function slug(heading) {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file) {
  return new Set([...read(file).matchAll(/^#+ (.+)$/gm)].map(([, heading]) => slug(heading)));
}

/** Where a link in `file` leads inside this repository, or null if elsewhere. */
function linkTarget(file, href) {
  const [target, anchor] = href.split('#');
  if (target.startsWith(`${REPOSITORY}/blob/main/`)) {
    return { file: target.slice(`${REPOSITORY}/blob/main/`.length), anchor, relative: false };
  }
  if (/^[a-z]+:/.test(target)) return null;
  return {
    file: target === '' ? file : path.posix.join(path.posix.dirname(file), target),
    anchor,
    relative: true,
  };
}

test('every link in the packed Markdown works where it is read', () => {
  const markdown = [...PACKED].filter((file) => file.endsWith('.md'));
  assert.ok(markdown.includes('README.md') && markdown.includes('docs/api.md'));
  for (const file of markdown) {
    for (const [, href] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = linkTarget(file, href);
      if (target === null) continue;
      const where = `${file}: ${href}`;
      // The npm page shows the README alone: a relative link there leads nowhere.
      if (file === 'README.md' && target.relative && target.file !== file) {
        assert.fail(`${where} is relative; the npm page cannot follow it`);
      }
      if (target.relative) assert.ok(PACKED.has(target.file), `${where}: ${target.file} is not packed`);
      assert.ok(fs.existsSync(path.join(ROOT, target.file)), `${where}: ${target.file} does not exist`);
      if (target.anchor && target.file.endsWith('.md')) {
        assert.ok(anchorsOf(target.file).has(target.anchor), `${where}: no heading #${target.anchor}`);
      }
    }
  }
});

test('every packed source map carries its sources or points at packed files', () => {
  const maps = [...PACKED].filter((file) => file.endsWith('.js.map'));
  assert.ok(maps.length > 0);
  for (const file of maps) {
    const map = JSON.parse(read(file));
    map.sources.forEach((source, index) => {
      const shipped = path.posix.join(path.posix.dirname(file), map.sourceRoot ?? '', source);
      assert.ok(
        typeof map.sourcesContent?.[index] === 'string' || PACKED.has(shipped),
        `${file}: ${source} is neither inlined nor packed`,
      );
    });
  }
});

/** The names the headings of a docs/api.md section document, by their first word in backticks. */
function documentedNames(section) {
  const names = new Set();
  for (const [, heading] of section.matchAll(/^#+ (.+)$/gm)) {
    for (const [, code] of heading.matchAll(/`([^`]+)`/g)) names.add(code.match(/^[\w$]+/)?.[0]);
  }
  return names;
}

test('docs/api.md has a heading for every export of both entry points', () => {
  // Sections headed by an entry point document it; the others, both.
  const sections = read('docs/api.md').split(/^(?=## )/m);
  const forEntry = (entry) =>
    sections
      .filter((section) => {
        const entryHeading = section.match(/^## `electron-port-rendezvous\/(\w+)`/);
        return entryHeading === null || entryHeading[1] === entry;
      })
      .join('\n');
  for (const entry of ['main', 'preload']) {
    const documented = documentedNames(forEntry(entry));
    const undocumented = Object.keys(require(`../dist/${entry}`)).filter((name) => !documented.has(name));
    assert.deepEqual(undocumented, [], `exports of /${entry} without a heading in docs/api.md`);
  }
});
