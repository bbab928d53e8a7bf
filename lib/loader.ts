import * as fs from 'node:fs';
import * as path from 'node:path';

import { rendezvousError } from './errors';

const ADDON_FILE = 'electron_port_rendezvous.node';
/** A build to load instead of the usual places (the sanitizer build of
 * `npm run test:asan`, or a debug build under investigation). */
export const ADDON_PATH_VARIABLE = 'ELECTRON_PORT_RENDEZVOUS_ADDON';
// What scripts/prebuild.js writes (arm64 also has node.napi.armv8.node).
const PREBUILD_FILES = ['node.napi.node', 'node.napi.armv8.node'];

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
): string[] {
  const roots = [unpackedVariant(packageRoot), packageRoot].filter((root): root is string => root !== null);
  const candidates: string[] = [];
  for (const root of roots) {
    candidates.push(
      path.join(root, 'build', 'Release', ADDON_FILE),
      path.join(root, 'build', 'Debug', ADDON_FILE),
      // prebuildify --napi: one binary per platform-arch for every Node-API host.
      ...PREBUILD_FILES.map((file) => path.join(root, 'prebuilds', `${platform}-${arch}`, file)),
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
  for (const candidate of addonCandidates(packageRoot)) {
    if (!fs.existsSync(candidate)) {
      tried.push(`  ${candidate} (not found)`);
      continue;
    }
    try {
      return load(candidate);
    } catch (error) {
      tried.push(`  ${candidate} (${(error as Error).message.split('\n')[0]})`);
    }
  }
  throw rendezvousError(
    Error,
    'ERR_RENDEZVOUS_ADDON_NOT_FOUND',
    `The electron-port-rendezvous native addon could not be loaded for ${process.platform}-${process.arch}. ` +
      `Tried:\n${tried.join('\n')}\n` +
      'Build it with `npm rebuild electron-port-rendezvous`, or install a matching prebuild.',
  );
}
