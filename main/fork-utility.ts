import { debug } from '../lib/debug';
import { ENTRY_VARIABLE } from '../lib/environment';
import { rendezvousError } from '../lib/errors';
import { bindWhenSpawned, type LaunchedChild } from './bind-launch';
import { splitForkArguments } from './fork-arguments';
import { UTILITY_ENTRY_PATH } from './paths';
import type { PortsForRendezvous } from './rights';
import { RendezvousServer } from './server';

/** Electron's `utilityProcess.fork` options (ForkOptions in its docs), every
 * one of them, so that a misspelt option does not compile. */
export interface UtilityForkOptions {
  env?: Record<string, string | undefined>;
  execArgv?: string[];
  cwd?: string;
  stdio?: 'pipe' | 'ignore' | 'inherit' | Array<'pipe' | 'ignore' | 'inherit'>;
  serviceName?: string;
  allowLoadingUnsignedLibraries?: boolean;
  disclaim?: boolean;
  respondToAuthRequestsFromMainProcess?: boolean;
}

export interface RendezvousUtilityForkOptions extends UtilityForkOptions {
  /** Rights the child takes with `RendezvousClient.instance().take*()`. */
  ports?: PortsForRendezvous;
}

/** The part of Electron's main-process API this launcher uses. */
export interface ElectronMain<Child extends LaunchedChild> {
  app: { isReady(): boolean };
  utilityProcess: { fork(modulePath: string, args?: unknown, options?: UtilityForkOptions): Child };
}

/**
 * The environment Electron is to give the child. Electron replaces the
 * child's environment with `env` unless it is empty, when the child
 * inherits this process's; the endpoint makes it never empty, so an empty
 * (or absent) `env` becomes process.env here. A value Electron cannot read
 * as an environment is passed on for it to refuse.
 */
function childEnvironment(env: unknown, added: Readonly<Record<string, string>>): unknown {
  if (env !== undefined && (typeof env !== 'object' || env === null)) return env;
  const base = env === undefined || Object.keys(env).length === 0 ? process.env : env;
  return { ...base, ...added };
}

/**
 * `utilityProcess.fork` with the rendezvous: the child runs a small entry
 * that performs it and then runs `modulePath` as its main module, resolved
 * as Electron resolves it (against the child's working directory). Every
 * other option is passed through. Returns Electron's own UtilityProcess.
 */
export function forkUtilityProcess<Child extends LaunchedChild>(
  electron: ElectronMain<Child>,
  modulePath: string,
  argsOrOptions?: unknown,
  options?: unknown,
): Child {
  if (!electron.app.isReady()) {
    throw rendezvousError(
      Error,
      'ERR_RENDEZVOUS_APP_NOT_READY',
      'Utility processes can be launched only once the app is ready: call fork() after app.whenReady()',
    );
  }
  if (typeof modulePath !== 'string' || modulePath === '') {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_ARGUMENT',
      'modulePath must be a non-empty string',
    );
  }
  const [args, checkedOptions] = splitForkArguments(argsOrOptions, options);
  const { ports, ...forkOptions } = checkedOptions as RendezvousUtilityForkOptions;
  const launch = RendezvousServer.instance().prepareLaunch(ports ?? {});
  let child: Child;
  try {
    const env = childEnvironment(forkOptions.env, { ...launch.env, [ENTRY_VARIABLE]: modulePath });
    child = electron.utilityProcess.fork(UTILITY_ENTRY_PATH, args, {
      ...forkOptions,
      env: env as Record<string, string>,
    });
  } catch (error) {
    launch.giveBack();
    throw error;
  }
  debug('forked utility process for %s', modulePath);
  bindWhenSpawned(child, launch);
  return child;
}
