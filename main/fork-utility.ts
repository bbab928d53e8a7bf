import * as path from 'node:path';

import { debug } from '../lib/debug';
import { ENTRY_VARIABLE } from '../lib/environment';
import { rendezvousError } from '../lib/errors';
import { bindWhenSpawned, type LaunchedChild } from './bind-launch';
import { UTILITY_ENTRY_PATH } from './paths';
import type { PortsForRendezvous } from './rights';
import { RendezvousServer } from './server';

/** Electron's `utilityProcess.fork` options (ForkOptions in its docs). */
export interface UtilityForkOptions {
  env?: Record<string, string | undefined>;
  execArgv?: string[];
  cwd?: string;
  stdio?: unknown;
  serviceName?: string;
  allowLoadingUnsignedLibraries?: boolean;
  respondToAuthRequestsFromMainProcess?: boolean;
  [option: string]: unknown;
}

export interface RendezvousUtilityForkOptions extends UtilityForkOptions {
  /** Rights the child takes with `RendezvousClient.instance().take*()`. */
  ports?: PortsForRendezvous;
}

/** The part of Electron's main-process API this launcher uses. */
export interface ElectronMain<Child extends LaunchedChild> {
  app: { isReady(): boolean };
  utilityProcess: { fork(modulePath: string, args?: string[], options?: UtilityForkOptions): Child };
}

/**
 * `utilityProcess.fork` with the rendezvous: the child runs a small entry
 * that performs it and then loads `modulePath` (with `process.argv[1]` set
 * to it). Electron's `env` replaces the child's environment, so the caller's
 * `env` (or `process.env`) is merged with the endpoint. Every other option is
 * passed through. Returns Electron's own UtilityProcess.
 */
export function forkUtilityProcess<Child extends LaunchedChild>(
  electron: ElectronMain<Child>,
  modulePath: string,
  args: readonly string[],
  options: RendezvousUtilityForkOptions,
): Child {
  if (!electron.app.isReady()) {
    throw rendezvousError(
      Error,
      'ERR_RENDEZVOUS_APP_NOT_READY',
      'Utility processes can be launched only once the app is ready: call fork() after app.whenReady()',
    );
  }
  const { ports, ...forkOptions } = options;
  const launch = RendezvousServer.instance().prepareLaunch(ports ?? {});
  // Electron's env accepts strings only; process.env may hold undefined.
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(forkOptions.env ?? process.env)) {
    if (typeof value === 'string') env[name] = value;
  }
  let child: Child;
  try {
    child = electron.utilityProcess.fork(UTILITY_ENTRY_PATH, [...args], {
      ...forkOptions,
      env: { ...env, ...launch.env, [ENTRY_VARIABLE]: path.resolve(modulePath) },
    });
  } catch (error) {
    launch.cancel();
    throw error;
  }
  debug('forked utility process for %s', modulePath);
  bindWhenSpawned(child, launch);
  return child;
}
