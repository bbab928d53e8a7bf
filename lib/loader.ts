import * as fs from 'node:fs';
import * as path from 'node:path';

import { rendezvousError } from './errors';

const ADDON_FILE = 'electron_port_rendezvous.node';
/** A build to load instead of the usual places (the sanitizer build of
 * `npm run test:asan`, or a debug build under investigation). */
export const ADDON_PATH_VARIABLE = 'ELECTRON_PORT_RENDEZVOUS_ADDON';

/** The C library of a Linux process; prebuilds are built for each. */
export type Libc = 'glibc' | 'musl';

/**
 * Which C library this process runs on, as node-gyp-build tells them apart
 * (scripts/prebuilds/targets.js): musl maps its one loader, ld-musl-<arch>.so.1,
 * into every process. The maps are read rather than the process report, which
 * takes milliseconds a helper process should not spend at start; a Node whose
 * report gives a glibc version runs on glibc where /proc cannot be read.
 */
export function runtimeLibc(): Libc {
  try {
    return /\/ld-musl-[^/\s]+\.so\.1$/m.test(fs.readFileSync('/proc/self/maps', 'utf8')) ? 'musl' : 'glibc';
  } catch {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
      ?.header;
    return header?.glibcVersionRuntime ? 'glibc' : 'musl';
  }
}

/**
 * The prebuild file names for a host, best first, as scripts/build-prebuilds.js
 * writes them and node-gyp-build matches them: on musl the musl build, then
 * the untagged one (node-gyp-build accepts it there too); on glibc never the
 * musl build; on arm64 also the `.armv8` name @electron/rebuild looks for.
 */
function prebuildFiles(arch: string, libc: Libc | null): string[] {
  const files = libc === 'musl' ? ['node.napi.musl.node', 'node.napi.node'] : ['node.napi.node'];
  if (arch === 'arm64') files.push('node.napi.armv8.node');
  return files;
}

/**
 * A native module cannot be loaded from inside an asar archive: packagers
 * unpack it beside the archive, at the same path under `app.asar.unpacked`.
 */
function unpackedVariant(dir: string): string | null {
  const unpacked = dir.replace(/([\\/])app\.asar([\\/]|$)/, '$1app.asar.unpacked$2');
  return unpacked === dir ? null : unpacked;
}

/** Every place the addon may be, in the order they are tried. */
export function addonCandidates(
  packageRoot: string,
  platform: string = process.platform,
  arch: string = process.arch,
  libc: Libc | null = platform === 'linux' ? runtimeLibc() : null,
): string[] {
  const roots = [unpackedVariant(packageRoot), packageRoot].filter((root): root is string => root !== null);
  const candidates: string[] = [];
  for (const root of roots) {
    candidates.push(
      path.join(root, 'build', 'Release', ADDON_FILE),
      path.join(root, 'build', 'Debug', ADDON_FILE),
      // One Node-API binary per platform-arch (and libc) for every host.
      ...prebuildFiles(arch, libc).map((file) => path.join(root, 'prebuilds', `${platform}-${arch}`, file)),
    );
  }
  return candidates;
}

/**
 * Loads the addon from the first candidate that exists; the error of a failed
 * load lists every path tried and why each failed.
 */
export function loadAddon<T>(packageRoot: string, load: (file: string) => T = require): T {
  const tried: string[] = [];
  const libc = process.platform === 'linux' ? runtimeLibc() : null;
  for (const candidate of addonCandidates(packageRoot, process.platform, process.arch, libc)) {
    if (!fs.existsSync(candidate)) {
      tried.push(`  ${candidate} (not found)`);
      continue;
    }
    try {
      return load(candidate);
    } catch (error) {
      tried.push(`  ${candidate} (${(error as Error).message.split(/\r?\n/)[0]})`);
    }
  }
  throw rendezvousError(
    Error,
    'ERR_RENDEZVOUS_ADDON_NOT_FOUND',
    `The electron-port-rendezvous native addon could not be loaded for ${process.platform}-${process.arch}` +
      `${libc ? ` (${libc})` : ''}. ` +
      `Tried:\n${tried.join('\n')}\n` +
      'Build it with `npm rebuild electron-port-rendezvous`, or install a matching prebuild.',
  );
}
