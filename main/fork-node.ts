import * as childProcess from 'node:child_process';

import { debug } from '../lib/debug';
import { bindWhenSpawned } from './bind-launch';
import { splitForkArguments } from './fork-arguments';
import { PRELOAD_PATH } from './paths';
import type { PortsForRendezvous } from './rights';
import { RendezvousServer } from './server';

export interface RendezvousForkOptions extends childProcess.ForkOptions {
  /** Rights the child takes with `RendezvousClient.instance().take*()`. */
  ports?: PortsForRendezvous;
}

/**
 * The execArgv child_process.fork would give the child: the caller's, or
 * this process's own. Node drops a `-e`/`-p` code from it only when handed
 * process.execArgv itself, which a copy with the preload added is not, so
 * that is done here the same way: a child of `node -e` runs its module,
 * not the parent's code again.
 */
function execArgvFor(execArgv: readonly string[] | undefined): readonly string[] {
  const inherited = execArgv || process.execArgv;
  const evalCode = (process as NodeJS.Process & { _eval?: string })._eval;
  if (inherited !== process.execArgv || evalCode == null) return inherited;
  const index = inherited.lastIndexOf(evalCode);
  if (index <= 0) return inherited;
  return [...inherited.slice(0, index - 1), ...inherited.slice(index + 1)];
}

function isPreload(specifier: string): boolean {
  try {
    return require.resolve(specifier, { paths: [process.cwd()] }) === PRELOAD_PATH;
  } catch {
    return false;
  }
}

/** Whether `execArgv` already loads the preload: a child launched by fork()
 * inherits its `--require`, and its own children need it only once. */
function requiresPreload(execArgv: readonly string[]): boolean {
  return execArgv.some((arg, index) => {
    if (arg.startsWith('--require=')) return isPreload(arg.slice('--require='.length));
    const next = execArgv[index + 1];
    return (arg === '--require' || arg === '-r') && next !== undefined && isPreload(next);
  });
}

/** `child_process.fork` with the preload injected through `execArgv`. */
export function forkNode(
  modulePath: string,
  argsOrOptions?: unknown,
  options?: unknown,
): childProcess.ChildProcess {
  const [args, checkedOptions] = splitForkArguments(argsOrOptions, options);
  const { ports, ...forkOptions } = checkedOptions as RendezvousForkOptions;
  const launch = RendezvousServer.instance().prepareLaunch(ports ?? {});
  let child: childProcess.ChildProcess;
  try {
    const execArgv = execArgvFor(forkOptions.execArgv);
    child = childProcess.fork(modulePath, args as string[], {
      ...forkOptions,
      env: { ...(forkOptions.env || process.env), ...launch.env },
      execArgv: requiresPreload(execArgv) ? [...execArgv] : [...execArgv, '--require', PRELOAD_PATH],
    });
  } catch (error) {
    launch.giveBack();
    throw error;
  }
  debug('forked %s as pid %s', modulePath, String(child.pid));
  if (child.pid === undefined) {
    // The spawn failed; Node reports it with 'error' on the next tick, to
    // the caller's listeners alone. The child never runs.
    launch.cancel();
  } else {
    bindWhenSpawned(child, launch);
  }
  return child;
}
