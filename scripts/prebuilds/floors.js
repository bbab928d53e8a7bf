'use strict';
// What a prebuild asks of the system that loads it, read from the binary
// itself, and whether that stays within its target's floor: the glibc symbol
// versions it needs (and no libstdc++ at all), no glibc for musl, the
// minimum macOS version of its LC_BUILD_VERSION, and for Windows the DLLs
// it imports (system ones only: the host's are delay-loaded).
const { execFileSync } = require('node:child_process');

const { llvmObjdump } = require('./host-tools');

// A large binary's version table runs to megabytes of text.
const read = (command, args) => execFileSync(command, args, { encoding: 'utf8', maxBuffer: 256 << 20 });

/** glibc's own libraries, the only ones a glibc prebuild may need. */
const GLIBC_LIBRARIES = /^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux[-\w.]*\.so\.\d)$/;
/** musl answers every name of its libc, whatever the system calls the file. */
const MUSL_LIBRARIES = /^libc\.so$/;
const MACOS_LIBRARIES = /^\/usr\/lib\/libSystem\.B\.dylib$/;
/** Windows' own DLLs, present on every Windows 10. Node-API and libuv come
 * from whichever executable hosts the addon, through delay-loaded imports
 * bound at run time (addon/win/delay_load_hook.cc): never a plain import,
 * which would name node.exe and fail in Electron. */
const WINDOWS_LIBRARIES = /^(kernel32|advapi32|msvcrt|ws2_32)\.dll$/i;

function compareVersions(a, b) {
  const [x, y] = [a, b].map((version) => version.split('.').map(Number));
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return 0;
}

function elfFacts(file) {
  const machine = /Machine:\s+(.*)/.exec(read('readelf', ['-h', file]))[1].trim();
  const needed = [...read('readelf', ['-d', '-W', file]).matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map(
    (match) => match[1],
  );
  const versionInfo = read('readelf', ['-V', '-W', file]);
  const needs = versionInfo.slice(Math.max(0, versionInfo.indexOf('.gnu.version_r')));
  const versions = versionInfo.includes('.gnu.version_r')
    ? [...new Set([...needs.matchAll(/Name: (\S+)/g)].map((match) => match[1]))]
    : [];
  return { machine, needed, versions };
}

function machoFacts(file) {
  const objdump = llvmObjdump();
  const header = read(objdump, ['--macho', '--private-header', file]);
  const machine = /MH_MAGIC_64\s+(\S+)/.exec(header)[1];
  const commands = read(objdump, ['--macho', '--private-headers', file]);
  const build = /cmd LC_BUILD_VERSION[\s\S]*?platform (\S+)[\s\S]*?minos (\S+)/.exec(commands);
  // --dylibs-used lists a dylib's own install name among what it links.
  const id = read(objdump, ['--macho', '--dylib-id', file]).split('\n')[1]?.trim();
  const needed = read(objdump, ['--macho', '--dylibs-used', file])
    .split('\n')
    .slice(1)
    .map((line) => line.trim().replace(/ \(compatibility version.*$/, ''))
    .filter((line) => line && line !== id);
  return { machine, needed, platform: build?.[1] ?? null, minos: build?.[2] ?? null };
}

function peFacts(file) {
  const headers = read('x86_64-w64-mingw32-objdump', ['-p', file]);
  const format = /file format (\S+)/.exec(headers)?.[1] ?? 'unknown';
  const needed = [...headers.matchAll(/DLL Name: (\S+)/g)].map((match) => match[1]);
  return { machine: format === 'pei-x86-64' ? 'x86-64' : format, needed };
}

/**
 * Reads `file`, built for `target`, and says what it needs: `highest` is its
 * highest required version (GLIBC_x.y, `none` or macOS minos), `problems`
 * every way it breaks the floor (empty when it keeps to it).
 */
function checkFloor(target, file) {
  const problems = [];
  if (target.os === 'mac') {
    const facts = machoFacts(file);
    if (facts.machine !== target.machine) problems.push(`Mach-O for ${facts.machine}, not ${target.machine}`);
    if (facts.platform !== 'macos' || !facts.minos) problems.push('no LC_BUILD_VERSION for macos');
    else if (compareVersions(facts.minos, target.floor) > 0)
      problems.push(`needs macOS ${facts.minos}, above the floor ${target.floor}`);
    for (const library of facts.needed)
      if (!MACOS_LIBRARIES.test(library)) problems.push(`links ${library}`);
    return { highest: `macOS ${facts.minos}`, needed: facts.needed, problems };
  }
  if (target.os === 'win') {
    const facts = peFacts(file);
    if (facts.machine !== target.machine) problems.push(`PE for ${facts.machine}, not ${target.machine}`);
    for (const library of facts.needed)
      if (!WINDOWS_LIBRARIES.test(library)) problems.push(`imports ${library}`);
    return { highest: `Windows ${target.floor} DLLs: ${facts.needed.join(', ')}`, needed: facts.needed, problems };
  }
  const facts = elfFacts(file);
  if (facts.machine !== target.machine && !facts.machine.endsWith(target.machine))
    problems.push(`ELF for ${facts.machine}, not ${target.machine}`);
  const allowed = target.libc === 'musl' ? MUSL_LIBRARIES : GLIBC_LIBRARIES;
  for (const library of facts.needed) if (!allowed.test(library)) problems.push(`needs ${library}`);
  let highest = 'none';
  for (const version of facts.versions) {
    const glibc = /^GLIBC_(\d+(?:\.\d+)*)$/.exec(version);
    if (target.libc === 'musl' || !glibc) {
      // musl has no symbol versions; a glibc build needs none but glibc's.
      problems.push(`needs ${version}`);
      continue;
    }
    if (compareVersions(glibc[1], target.floor) > 0)
      problems.push(`needs ${version}, above the floor GLIBC_${target.floor}`);
    if (highest === 'none' || compareVersions(glibc[1], highest.slice('GLIBC_'.length)) > 0) highest = version;
  }
  return { highest, needed: facts.needed, problems };
}

module.exports = { checkFloor, compareVersions };
