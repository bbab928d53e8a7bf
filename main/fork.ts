import * as childProcess from 'node:child_process';
import * as path from 'node:path';

import { debug } from '../lib/debug';
import type { PortsForRendezvous } from './rights';
import { RendezvousServer, type PendingLaunch } from './server';

export interface RendezvousForkOptions extends childProcess.ForkOptions {
  /** Rights the child takes with `RendezvousClient.instance().take*()`. */
  ports?: PortsForRendezvous;
}

/** The preload every launched child runs before its own module. */
export const PRELOAD_PATH = path.join(__dirname, '..', 'preload', 'index.js');

/**
 * Binds `launch` to the child's pid as early as it is known, and releases it
 * if the child never starts. Node knows the pid as soon as fork() returns,
 * so the binding happens before this process's JS can be busy with anything
 * else; Electron only knows it at 'spawn'.
 */
function bindWhenSpawned(child: childProcess.ChildProcess, launch: PendingLaunch): void {
  const bind = (pid: number): void => {
    try {
      launch.bind(pid);
    } catch (error) {
      launch.cancel();
      child.kill();
      throw error;
    }
  };
  if (child.pid !== undefined) {
    bind(child.pid);
  } else {
    child.once('spawn', () => {
      if (child.pid !== undefined) bind(child.pid);
    });
  }
  child.once('error', () => launch.cancel());
  child.once('exit', () => launch.cancel());
}

/**
 * Launches `modulePath` in a Node child process, like
 * `child_process.fork`, and hands it `options.ports` by rendezvous. The
 * returned ChildProcess is Node's own, unchanged.
 */
export function fork(
  modulePath: string,
  args: readonly string[] = [],
  options: RendezvousForkOptions = {},
): childProcess.ChildProcess {
  const { ports, ...forkOptions } = options;
  const server = RendezvousServer.instance();
  const launch = server.prepareLaunch(ports ?? {});
  let child: childProcess.ChildProcess;
  try {
    child = childProcess.fork(modulePath, args, {
      ...forkOptions,
      env: { ...(forkOptions.env ?? process.env), ...launch.env },
      execArgv: [...(forkOptions.execArgv ?? process.execArgv), '--require', PRELOAD_PATH],
    });
  } catch (error) {
    launch.cancel();
    throw error;
  }
  debug('forked %s as pid %s', modulePath, String(child.pid));
  bindWhenSpawned(child, launch);
  return child;
}
