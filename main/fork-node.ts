import * as childProcess from 'node:child_process';

import { debug } from '../lib/debug';
import { bindWhenSpawned } from './bind-launch';
import { PRELOAD_PATH } from './paths';
import type { PortsForRendezvous } from './rights';
import { RendezvousServer } from './server';

export interface RendezvousForkOptions extends childProcess.ForkOptions {
  /** Rights the child takes with `RendezvousClient.instance().take*()`. */
  ports?: PortsForRendezvous;
}

/** `child_process.fork` with the preload injected through `execArgv`. */
export function forkNode(
  modulePath: string,
  args: readonly string[],
  options: RendezvousForkOptions,
): childProcess.ChildProcess {
  const { ports, ...forkOptions } = options;
  const launch = RendezvousServer.instance().prepareLaunch(ports ?? {});
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
