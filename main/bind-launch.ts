import { debug } from '../lib/debug';
import type { PendingLaunch } from './server';

/** What both Node's ChildProcess and Electron's UtilityProcess offer. */
export interface LaunchedChild {
  readonly pid?: number | undefined;
  kill(): boolean;
  once(event: 'spawn', listener: () => void): unknown;
  once(event: 'exit', listener: (...args: unknown[]) => void): unknown;
}

/**
 * Binds `launch` to the child's pid as early as it is known. Node knows the
 * pid as soon as child_process.fork() returns, so the binding happens before
 * this process's JS can be busy with anything else; Electron reports it only
 * at 'spawn', and a child that asks before then is held by the server until
 * the binding. Once bound, the server's own exit watch releases what the
 * child did not claim.
 *
 * A binding that fails here (the pid has unclaimed rights from someone else)
 * cannot be thrown to the caller any more: the child is killed rather than
 * left without its rights, and a warning says why.
 *
 * Electron emits no 'exit' for a utility process that dies before 'spawn',
 * so a launch never bound within LAUNCH_BIND_TIMEOUT_MS is released anyway;
 * a child that spawns even later is killed, as it can no longer get them.
 *
 * No 'error' listener is added: an 'error' nobody else listens to must
 * still throw, as it would without this package (Electron's carries a
 * utility process's fatal-error report; the child's exit follows it).
 */
export const LAUNCH_BIND_TIMEOUT_MS = 30_000;

export function bindWhenSpawned(child: LaunchedChild, launch: PendingLaunch): void {
  const unbound = setTimeout(() => launch.cancel(), LAUNCH_BIND_TIMEOUT_MS);
  unbound.unref();
  const bind = (pid: number): void => {
    clearTimeout(unbound);
    try {
      launch.bind(pid);
    } catch (error) {
      launch.cancel();
      child.kill();
      process.emitWarning(
        `electron-port-rendezvous: pid ${pid} could not get its rights and was killed: ${(error as Error).message}`,
      );
      debug('binding to pid %d failed: %s', pid, (error as Error).message);
    }
  };
  if (child.pid !== undefined) {
    bind(child.pid);
    return;
  }
  child.once('spawn', () => {
    if (child.pid !== undefined) bind(child.pid);
  });
  child.once('exit', () => {
    clearTimeout(unbound);
    launch.cancel();
  });
}
