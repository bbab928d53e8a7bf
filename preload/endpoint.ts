/**
 * The one thing a launched child must do before its own module runs: take
 * the rendezvous endpoint out of its environment, so that its own children
 * never inherit it and never ask for its rights. The endpoint is kept in
 * this process alone, for the rendezvous its first use of the API performs.
 *
 * This module is loaded by the preload at every child's start: it requires
 * nothing but the variables' names (no addon, no API).
 */
import { ENDPOINT_VARIABLE, TIMEOUT_VARIABLE } from '../lib/environment';

/** What the environment said, as the preload found it. */
export interface TakenEndpoint {
  /** Where the server listens; undefined when the process was not launched
   * with one. */
  readonly endpoint: string | undefined;
  /** How long the client may wait for its reply (ms), as a string. */
  readonly timeout: string | undefined;
  /** The process that launched this one: the only server the rendezvous
   * accepts, even if this process is reparented before its first use. */
  readonly parentPid: number;
}

// Once per process, even if two copies of this package are loaded.
const TAKEN = Symbol.for('electron-port-rendezvous.endpoint');
type GlobalWithEndpoint = typeof globalThis & { [TAKEN]?: TakenEndpoint };

/**
 * Removes the endpoint from `process.env` and keeps it; later calls return
 * what the first one found.
 */
export function takeEndpointFromEnvironment(): TakenEndpoint {
  const global = globalThis as GlobalWithEndpoint;
  let taken = global[TAKEN];
  if (taken === undefined) {
    taken = {
      endpoint: process.env[ENDPOINT_VARIABLE],
      timeout: process.env[TIMEOUT_VARIABLE],
      parentPid: process.ppid,
    };
    delete process.env[ENDPOINT_VARIABLE];
    delete process.env[TIMEOUT_VARIABLE];
    Object.defineProperty(global, TAKEN, { value: Object.freeze(taken) });
  }
  return taken;
}
