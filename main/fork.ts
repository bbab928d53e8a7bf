import type * as childProcess from 'node:child_process';

import { forkNode, type RendezvousForkOptions } from './fork-node';
import { forkUtilityProcess, type ElectronMain, type RendezvousUtilityForkOptions } from './fork-utility';
import type { LaunchedChild } from './bind-launch';

export { PRELOAD_PATH, UTILITY_ENTRY_PATH } from './paths';
export type { RendezvousForkOptions } from './fork-node';
export type { RendezvousUtilityForkOptions } from './fork-utility';

/** Electron's main process, where `utilityProcess` exists. */
function electronMain(): ElectronMain<LaunchedChild> | null {
  const { versions, type } = process as NodeJS.Process & { type?: string };
  if (versions.electron === undefined || type !== 'browser') return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('electron') as ElectronMain<LaunchedChild>;
}

/**
 * Launches `modulePath` and hands it `options.ports` by rendezvous: in
 * Electron's main process with `utilityProcess.fork`, returning Electron's
 * UtilityProcess; elsewhere with `child_process.fork`, returning Node's
 * ChildProcess; each unchanged. Which one a call returns depends on where it
 * runs, so TypeScript callers in Electron name it:
 * `fork<Electron.UtilityProcess>(...)`.
 */
export function fork<Child = childProcess.ChildProcess>(
  modulePath: string,
  args: readonly string[] = [],
  options: RendezvousForkOptions | RendezvousUtilityForkOptions = {},
): Child {
  const electron = electronMain();
  if (electron) {
    return forkUtilityProcess(electron, modulePath, args, options as RendezvousUtilityForkOptions) as Child;
  }
  return forkNode(modulePath, args, options as RendezvousForkOptions) as Child;
}
