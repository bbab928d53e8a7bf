import type * as dgram from 'node:dgram';
import type * as net from 'node:net';

import { debug, debugEnabled } from '../lib/debug';
import { CLIENT_TIMEOUT_MARGIN_MS, ENDPOINT_VARIABLE } from '../lib/environment';
import { rendezvousError, type RendezvousError } from '../lib/errors';
import { checkKey } from '../lib/keys';
import { DEFAULT_PENDING_REQUEST_TIMEOUT_MS } from '../lib/limits';
import { native, RightKind } from '../lib/native';
import { adoptChannel, type Channel } from '../lib/channel';
import {
  machReceiveRight,
  machSendRight,
  type MachReceiveRight,
  type MachSendRight,
} from '../lib/mach_rights';
import {
  adoptDgramSocket,
  adoptServer,
  adoptSocket,
  type DgramAdoptionOptions,
  type SocketAdoptionOptions,
} from '../lib/node-adoption';
import { SharedMemory, sharedMemoryNative } from '../lib/shared-memory';
import { takeEndpointFromEnvironment } from './endpoint';

interface Received {
  handle: number;
  kind: RightKind;
  byteLength: number;
}

interface Found extends Received {
  key: number;
}

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
 * once, on the first `instance()` (as Chromium's client does it on its first
 * `GetInstance()`): the preload only took the endpoint out of the
 * environment. The parent's server holds the rights until then, or until
 * this process exits.
 */
export class RendezvousClient {
  readonly #rights: Map<number, Received>;
  /** Keys taken already, so a second take can say so in the debug log. */
  readonly #taken = new Set<number>();
  /** How long the round trip took, in milliseconds. */
  readonly durationMs: number;

  private constructor(rights: Map<number, Received>, durationMs: number) {
    this.#rights = rights;
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
    // Normally the preload took it already; if this module was loaded
    // without it, this process's own children must still not inherit it.
    const { endpoint, timeout, parentPid } = takeEndpointFromEnvironment();
    const timeoutMs = readTimeout(timeout);
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
      const rights = addon.performRendezvous(endpoint, parentPid, timeoutMs, debugEnabled());
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const received = new Map<number, Received>();
      for (let i = 0; i < rights.length; i += 4) {
        received.set(rights[i], {
          handle: rights[i + 1],
          kind: rights[i + 2] as RightKind,
          byteLength: rights[i + 3],
        });
      }
      debug(
        'received %d rights in %s ms (keys: %s)',
        received.size,
        durationMs.toFixed(3),
        [...received.keys()].sort((a, b) => a - b).join(', ') || 'none',
      );
      return { client: new RendezvousClient(received, durationMs), error: null };
    } catch (error) {
      debug('rendezvous failed: %s', (error as Error).message);
      return { client: null, error: error as RendezvousError };
    }
  }

  /** Rights not taken yet. */
  get portCount(): number {
    return this.#rights.size;
  }

  /** Keys of the rights not taken yet, in ascending order. */
  keys(): number[] {
    return [...this.#rights.keys()].sort((a, b) => a - b);
  }

  /**
   * Takes the file descriptor registered under `key`: the caller owns it
   * from now on. `null` when there is none, or it was already taken.
   */
  takeFd(key: number): number | null {
    const found = this.#find(key, [RightKind.Fd], 'a file descriptor', 'takeFd');
    return found && this.#remove(found).handle;
  }

  /**
   * Takes the Windows handle registered under `key` (a raw `{ handle }`
   * right, or any socket right) as its value in this process: the caller
   * owns it from now on and closes it with CloseHandle, or, for a socket
   * (made here by WSASocketW, overlapped and not inheritable), with
   * closesocket. `null` when there is none, or it was already
   * taken.
   */
  takeHandle(key: number): number | null {
    const found = this.#find(key, [RightKind.Handle], 'a Windows handle', 'takeHandle');
    return found && this.#remove(found).handle;
  }

  /**
   * Takes the listening socket registered under `key` as `server` (a new
   * `net.Server` by default; an `http.Server` works too), which listens on
   * it at once. `null` when there is none, or it was already taken.
   */
  takeServer<S extends net.Server = net.Server>(key: number, server?: S): S | null {
    const found = this.#find(key, [RightKind.Fd], 'a file descriptor', 'takeServer');
    return found && adoptServer(found.handle, server, () => this.#remove(found));
  }

  /**
   * Takes the connected socket (or pipe) registered under `key` as a
   * `net.Socket`, readable and writable unless `options` say otherwise.
   * `null` when there is none, or it was already taken.
   */
  takeSocket(key: number, options?: SocketAdoptionOptions): net.Socket | null {
    const found = this.#find(key, [RightKind.Fd], 'a file descriptor', 'takeSocket');
    return found && adoptSocket(found.handle, options, () => this.#remove(found));
  }

  /**
   * Takes the bound UDP socket registered under `key` as a `dgram.Socket`
   * of family `type` ('udp4', 'udp6', or `dgram.createSocket()` options).
   * `null` when there is none, or it was already taken.
   */
  takeDgramSocket(key: number, type: DgramAdoptionOptions): dgram.Socket | null {
    const found = this.#find(key, [RightKind.Fd], 'a file descriptor', 'takeDgramSocket');
    return found && adoptDgramSocket(found.handle, type, () => this.#remove(found));
  }

  /**
   * Takes the send (or send-once) right registered under `key` (macOS).
   * `null` when there is none, or it was already taken. A right whose port
   * died on the way arrives all the same, with `dead` true.
   */
  takeSendRight(key: number): MachSendRight | null {
    const found = this.#find(
      key,
      [RightKind.SendRight, RightKind.SendOnceRight],
      'a send right',
      'takeSendRight',
    );
    return found && machSendRight(this.#remove(found).handle, found.kind);
  }

  /**
   * Takes the receive right registered under `key` (macOS). `null` when
   * there is none, or it was already taken.
   */
  takeReceiveRight(key: number): MachReceiveRight | null {
    const found = this.#find(key, [RightKind.ReceiveRight], 'a receive right', 'takeReceiveRight');
    return found && machReceiveRight(this.#remove(found).handle);
  }

  /**
   * Maps the shared memory region registered under `key`. The region is
   * checked first (on Linux: sealed against resizing, of the stated size).
   * `null` when there is none, or it was already taken.
   */
  takeSharedMemory(key: number): SharedMemory | null {
    const found = this.#find(key, [RightKind.SharedMemory], 'a shared memory region', 'takeSharedMemory');
    // The mapping closes the handle when its checks fail: the right is gone either way.
    return (
      found &&
      SharedMemory[sharedMemoryNative](native().mapSharedMemory(this.#remove(found).handle, found.byteLength))
    );
  }

  /**
   * Takes the channel end registered under `key`. `null` when there is
   * none, or it was already taken.
   */
  takeChannel(key: number): Channel | null {
    const found = this.#find(key, [RightKind.Channel], 'a channel end', 'takeChannel');
    return found && adoptChannel(this.#remove(found).handle);
  }

  /** The right under `key` if it is of one of `kinds`; left in place. */
  #find(key: unknown, kinds: readonly RightKind[], what: string, method: string): Found | null {
    const checked = checkKey(key);
    const right = this.#rights.get(checked);
    if (right === undefined) {
      debug(
        '%s(%d) found nothing: %s',
        method,
        checked,
        this.#taken.has(checked)
          ? 'the right under this key was already taken'
          : `no right was received under this key (not taken yet: ${this.keys().join(', ') || 'none'})`,
      );
      return null;
    }
    if (!kinds.includes(right.kind)) {
      debug('%s(%d) refused: the right under this key is not %s', method, checked, what);
      // A socket arrives on Windows as a handle, which Node cannot use
      // through a descriptor: say so rather than only what it is not.
      const hint =
        right.kind === RightKind.Handle
          ? ' (it is a Windows handle, such as a socket, which no C runtime descriptor owns); take it with takeHandle()'
          : '; take it with the matching take*()';
      throw rendezvousError(
        TypeError,
        'ERR_RENDEZVOUS_WRONG_KIND',
        `The right under key ${checked} is not ${what}${hint}`,
      );
    }
    return { key: checked, ...right };
  }

  /** Gives up the right `found` names: it is the caller's from now on. */
  #remove(found: Found): Found {
    this.#rights.delete(found.key);
    this.#taken.add(found.key);
    debug('took the right under key %d', found.key);
    return found;
  }
}
