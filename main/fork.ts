import type * as childProcess from 'node:child_process';

import { forkNode, type RendezvousForkOptions } from './fork-node';
import { forkUtilityProcess, type ElectronMain, type RendezvousUtilityForkOptions } from './fork-utility';
import type { LaunchedChild } from './bind-launch';

export { PRELOAD_PATH, UTILITY_ENTRY_PATH } from './paths';
export type { RendezvousForkOptions } from './fork-node';
export type { RendezvousUtilityForkOptions } from './fork-utility';

/**
 * Electron's `UtilityProcess` where Electron's type definitions are loaded
 * (they declare the global `Electron` namespace), `never` elsewhere: the
 * package does not depend on Electron's types.
 */
export type ElectronUtilityProcess = typeof globalThis extends {
  Electron: { UtilityProcess: abstract new (...args: never[]) => infer UtilityProcess };
}
  ? UtilityProcess
  : never;

/** Options that only exist where Electron's types do. */
type WhereElectronIsTyped<Options> = [ElectronUtilityProcess] extends [never] ? never : Options;

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
 * `fork<Electron.UtilityProcess>(...)` (an Electron-only option, such as
 * `serviceName`, picks it too). If it throws, the caller still owns every
 * right in `ports`.
 */
export function fork(modulePath: string, options?: RendezvousForkOptions): childProcess.ChildProcess;
export function fork(
  modulePath: string,
  args?: readonly string[],
  options?: RendezvousForkOptions,
): childProcess.ChildProcess;
export function fork<Child extends ElectronUtilityProcess = ElectronUtilityProcess>(
  modulePath: string,
  options?: WhereElectronIsTyped<RendezvousUtilityForkOptions>,
): Child;
export function fork<Child extends ElectronUtilityProcess = ElectronUtilityProcess>(
  modulePath: string,
  args?: readonly string[],
  options?: WhereElectronIsTyped<RendezvousUtilityForkOptions>,
): Child;
export function fork(modulePath: string, argsOrOptions?: unknown, options?: unknown): LaunchedChild {
  const electron = electronMain();
  if (electron) return forkUtilityProcess(electron, modulePath, argsOrOptions, options);
  return forkNode(modulePath, argsOrOptions, options);
}
