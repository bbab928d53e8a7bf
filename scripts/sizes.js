'use strict';
// Prints the largest product files and functions, the figures the house
// rules bound (about 450 lines a file, 80 a function). Functions are found
// by their braces: a C++ definition opens a block at the start of a line
// outside any other block (or inside a namespace or class), a TypeScript one
// is a function, method or arrow whose body opens at the end of its line.
// It reads text and is approximate, which is enough to rank.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const roots = ['addon', 'lib', 'preload'];
const productFile = (name) => /\.(cc|h|ts)$/.test(name) && !name.endsWith('.d.ts');

function listFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (productFile(entry.name)) out.push(full);
  }
  return out;
}

// Strips strings, characters and comments so braces in them do not count.
function code(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/\/\/.*$/gm, '')
    .replace(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`/g, (m) => m.replace(/[^\n]/g, ' '));
}

const skipOpeners =
  /^\s*(namespace|class|struct|enum|union|extern|export\s+(class|interface|enum|type|namespace)|interface|type)\b/;
const controlWords = /^\s*(if|for|while|switch|do|else|try|catch|return)\b/;

function functionsOf(file) {
  const lines = code(fs.readFileSync(file, 'utf8')).split('\n');
  const found = [];
  // Each open brace remembers whether it opened a function body.
  const stack = [];
  let header = '';
  lines.forEach((line, index) => {
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '{') {
        const enclosingFunction = stack.some((s) => s.isFunction);
        const before = (header + line.slice(0, i)).trim();
        const isFunction =
          !enclosingFunction &&
          /\)\s*(const)?\s*(override|final|noexcept|=>|:\s*[\w<>[\]|. ,]+)?\s*(:[^{;]*)?$/.test(before) &&
          !skipOpeners.test(before.split('\n').pop() ?? '') &&
          !controlWords.test(before.split(/[;{}]/).pop() ?? '');
        stack.push({ isFunction, start: index, name: before.split(/[;{}]/).pop().trim() });
        header = '';
      } else if (c === '}') {
        const open = stack.pop();
        if (open?.isFunction) {
          found.push({
            file,
            name: open.name.slice(0, 70),
            lines: index - open.start + 1,
            start: open.start + 1,
          });
        }
        header = '';
      } else if (c === ';') {
        header = '';
      }
    }
    header += line.slice(Math.max(line.lastIndexOf(';'), line.lastIndexOf('}')) + 1) + '\n';
  });
  return found;
}

const files = roots.flatMap((r) => listFiles(path.join(root, r)));
const rel = (f) => path.relative(root, f);
const sizes = files
  .map((f) => ({ file: rel(f), lines: fs.readFileSync(f, 'utf8').split('\n').length - 1 }))
  .sort((a, b) => b.lines - a.lines);
const functions = files.flatMap(functionsOf).sort((a, b) => b.lines - a.lines);
const count = Number(process.argv[2] ?? 10);

console.log(`largest files (${files.length} product files):`);
for (const s of sizes.slice(0, count)) console.log(`  ${String(s.lines).padStart(5)}  ${s.file}`);
console.log(`largest functions (${functions.length} found):`);
for (const f of functions.slice(0, count)) {
  console.log(`  ${String(f.lines).padStart(5)}  ${rel(f.file)}:${f.start}  ${f.name.replace(/\s+/g, ' ')}`);
}
