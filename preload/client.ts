import { debug, debugEnabled } from '../lib/debug';
import {
  CLIENT_TIMEOUT_MARGIN_MS,
  DEFAULT_PENDING_REQUEST_TIMEOUT_MS,
  ENDPOINT_VARIABLE,
  TIMEOUT_VARIABLE,
} from '../lib/environment';
import { rendezvousError, type RendezvousError } from '../lib/errors';
import { native } from '../lib/native';

// One rendezvous per process, even if two copies of this package are loaded.
const STATE = Symbol.for('electron-port-rendezvous.client');
interface ClientState {
  client: RendezvousClient | null;
  error: RendezvousError | null;
}
type GlobalWithState = typeof globalThis & { [STATE]?: ClientState };

function readTimeout(value: string | undefined): number {
  const timeout = Number(value);
  return Number.isInteger(timeout) && timeout > 0
    ? timeout
    : DEFAULT_PENDING_REQUEST_TIMEOUT_MS + CLIENT_TIMEOUT_MARGIN_MS;
}

/**
 * The rights this process received from its parent. The rendezvous happens
 * once, in the preload, before the process's own module runs.
 */
export class RendezvousClient {
  readonly #fds: Map<number, number>;
  /** How long the round trip took, in milliseconds. */
  readonly durationMs: number;

  private constructor(fds: Map<number, number>, durationMs: number) {
    this.#fds = fds;
    this.durationMs = durationMs;
  }

  /**
   * The process's client: performs the rendezvous on first call. `null` when
   * it failed (see `lastError`); a client with `portCount` 0 when the parent
   * registered nothing for this process.
   */
  static instance(): RendezvousClient | null {
    const global = globalThis as GlobalWithState;
    global[STATE] ??= RendezvousClient.#rendezvous();
    return global[STATE].client;
  }

  /** Why `instance()` returned null, or null. */
  static get lastError(): RendezvousError | null {
    RendezvousClient.instance();
    return (globalThis as GlobalWithState)[STATE]?.error ?? null;
  }

  static #rendezvous(): ClientState {
    const endpoint = process.env[ENDPOINT_VARIABLE];
    const timeoutMs = readTimeout(process.env[TIMEOUT_VARIABLE]);
    // This process's own children must not try to claim its rights.
    delete process.env[ENDPOINT_VARIABLE];
    delete process.env[TIMEOUT_VARIABLE];
    if (endpoint === undefined) {
      const error = rendezvousError(
        Error,
        'ERR_RENDEZVOUS_NO_SERVER',
        `This process was not launched with a rendezvous endpoint (${ENDPOINT_VARIABLE} is not set)`,
      );
      debug('no endpoint in the environment');
      return { client: null, error };
    }
    try {
      const addon = native();
      const started = process.hrtime.bigint();
      const rights = addon.performRendezvous(endpoint, process.ppid, timeoutMs, debugEnabled());
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const fds = new Map<number, number>();
      for (let i = 0; i < rights.length; i += 2) fds.set(rights[i], rights[i + 1]);
      debug('received %d rights in %s ms', fds.size, durationMs.toFixed(3));
      return { client: new RendezvousClient(fds, durationMs), error: null };
    } catch (error) {
      debug('rendezvous failed: %s', (error as Error).message);
      return { client: null, error: error as RendezvousError };
    }
  }

  /** Rights not taken yet. */
  get portCount(): number {
    return this.#fds.size;
  }

  /** Keys of the rights not taken yet, in ascending order. */
  keys(): number[] {
    return [...this.#fds.keys()].sort((a, b) => a - b);
  }

  /**
   * Takes the file descriptor registered under `key`: the caller owns it
   * from now on. `null` when there is none, or it was already taken.
   */
  takeFd(key: number): number | null {
    const fd = this.#fds.get(key);
    if (fd === undefined) return null;
    this.#fds.delete(key);
    return fd;
  }
}
