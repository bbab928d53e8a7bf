import { debug, debugEnabled } from '../lib/debug';
import { CLIENT_TIMEOUT_MARGIN_MS, ENDPOINT_VARIABLE, TIMEOUT_VARIABLE } from '../lib/environment';
import { rendezvousError, type RendezvousError } from '../lib/errors';
import { checkMadeHere, MADE_HERE } from '../lib/made-here';
import { channelTransfer, type Channel } from '../lib/channel';
import { DEFAULT_PENDING_REQUEST_TIMEOUT_MS } from '../lib/limits';
import { native } from '../lib/native';
import { checkPid, registerPorts, type PortsForRendezvous } from './rights';

export interface RendezvousServerOptions {
  /** macOS: the bootstrap name's prefix (default 'electron-port-rendezvous');
   * under the App Sandbox, an application group id. Unused on Linux. */
  bootstrapNamePrefix?: string;
  /** How long a child that asks before its pid is bound waits (ms, default 10000). */
  pendingRequestTimeoutMs?: number;
  /** How long a connected client may take to send its request (ms, default 2000). */
  requestReadTimeoutMs?: number;
  /** Requests held at once while launches are pending (default 128). */
  maxHeldRequests?: number;
  /** Connections open at once (default 256); at the limit the oldest one that has not asked yet is closed to make room. */
  maxConnections?: number;
}

export interface ServerStats {
  /** Registrations bound to a pid and not yet claimed. */
  registrations: number;
  /** Launches prepared but not yet bound to a pid. */
  pendingLaunches: number;
  /** Requests from children that asked before their launch was bound, held
   * until it is or until `pendingRequestTimeoutMs` passes. */
  heldRequests: number;
  /** Present only once the server thread has died on an error it cannot go
   * on after: the `ERR_RENDEZVOUS_SERVER_DIED` error (with its `syscall` and
   * `errno`) that every call needing the server now throws. */
  failure?: RendezvousError;
}

// Only prepareLaunch() makes launches: one made anywhere else could name
// another caller's launch id, and bind or cancel its rights.
let newLaunch: (
  id: number,
  env: Readonly<Record<string, string>>,
  channels: readonly Channel[],
) => PendingLaunch;

/**
 * Rights prepared for a child that is not launched yet. The server owns them
 * from now on; bind the launch to the child's pid once it is known, or cancel
 * it if the child never starts.
 */
export class PendingLaunch {
  readonly #id: number;
  #settled = false;
  readonly #channels: readonly Channel[];
  /** Variables to add to the child's environment. */
  readonly env: Readonly<Record<string, string>>;

  static {
    newLaunch = (id, env, channels) => new PendingLaunch(MADE_HERE, id, env, channels);
  }

  private constructor(
    token: symbol,
    id: number,
    env: Readonly<Record<string, string>>,
    channels: readonly Channel[],
  ) {
    checkMadeHere(token, 'PendingLaunch', 'RendezvousServer.prepareLaunch()');
    this.#id = id;
    this.env = env;
    this.#channels = channels;
  }

  /** Hands the rights to `pid`; a request it already made is answered now. */
  bind(pid: number): void {
    checkPid(pid);
    if (this.#settled) {
      throw rendezvousError(
        Error,
        'ERR_RENDEZVOUS_UNKNOWN_LAUNCH',
        'This launch was already bound or cancelled',
      );
    }
    native().bindLaunch(this.#id, pid);
    this.#settled = true;
    debug('bound launch %d to pid %d', this.#id, pid);
  }

  /** Releases the rights: moved ones are closed, copies dropped. Idempotent. */
  cancel(): void {
    if (this.#settled) return;
    this.#settled = true;
    native().cancelLaunch(this.#id);
    debug('cancelled launch %d', this.#id);
  }

  /**
   * Undoes `prepareLaunch` for a child that was never launched: the caller
   * owns every right again, moved descriptors still open (and close-on-exec)
   * and channel ends usable. Idempotent; nothing after bind or cancel.
   */
  giveBack(): void {
    if (this.#settled) return;
    this.#settled = true;
    // The addon puts each channel end back into its native object.
    native().cancelLaunch(this.#id, true);
    for (const channel of this.#channels) channel[channelTransfer.settle]();
    debug('gave back launch %d', this.#id);
  }
}

let current: RendezvousServer | undefined;

/**
 * The process's one rendezvous server. It runs on its own native thread, so
 * children get their rights even while this process's JS is busy.
 */
export class RendezvousServer {
  /** Where children find this server. It keeps its value after `stop()`,
   * though nothing listens there any more. */
  readonly endpoint: string;
  readonly #clientTimeoutMs: number;

  private constructor(endpoint: string, clientTimeoutMs: number) {
    this.endpoint = endpoint;
    this.#clientTimeoutMs = clientTimeoutMs;
  }

  /**
   * Returns the running server, starting it on first use. Options apply when
   * it starts; passing options to a running server is an error.
   */
  static instance(options?: RendezvousServerOptions): RendezvousServer {
    if (current) {
      if (options !== undefined) {
        throw rendezvousError(
          Error,
          'ERR_RENDEZVOUS_ALREADY_STARTED',
          'The rendezvous server is already running; options apply only when it starts',
        );
      }
      return current;
    }
    const pendingMs = options?.pendingRequestTimeoutMs ?? DEFAULT_PENDING_REQUEST_TIMEOUT_MS;
    const endpoint = native().startServer({ ...options, debug: debugEnabled() });
    current = new RendezvousServer(endpoint, pendingMs + CLIENT_TIMEOUT_MARGIN_MS);
    debug('server started at %s', endpoint);
    return current;
  }

  /** What a child needs in its environment to find this server. */
  get childEnv(): Readonly<Record<string, string>> {
    this.#checkRunning();
    return {
      [ENDPOINT_VARIABLE]: this.endpoint,
      [TIMEOUT_VARIABLE]: String(this.#clientTimeoutMs),
    };
  }

  /**
   * Registers rights for a running child (Chromium's primitive, for callers
   * that launch children themselves). All or nothing: on error the caller
   * keeps every descriptor.
   */
  registerPortsForPid(pid: number, ports: PortsForRendezvous): void {
    this.#checkRunning();
    checkPid(pid);
    const count = registerPorts(ports, (rights, rightCount) => {
      native().registerForPid(pid, rights);
      return rightCount;
    });
    debug('registered %d rights for pid %d', count, pid);
  }

  /**
   * Takes rights for a child that is about to be launched. A child that asks
   * before `bind(pid)` is held, up to `pendingRequestTimeoutMs`, and then
   * gets exactly its own rights.
   */
  prepareLaunch(ports: PortsForRendezvous): PendingLaunch {
    this.#checkRunning();
    const [id, count, channels] = registerPorts(
      ports,
      (rights, count, channels) => [native().prepareLaunch(rights), count, channels] as const,
    );
    debug('prepared launch %d with %d rights', id, count);
    return newLaunch(id, this.childEnv, channels);
  }

  /** What the server holds now. */
  stats(): ServerStats {
    this.#checkRunning();
    const { registrations, pendingLaunches, heldRequests, failure } = native().serverStats();
    const stats: ServerStats = { registrations, pendingLaunches, heldRequests };
    if (failure) stats.failure = failure;
    return stats;
  }

  /**
   * Stops the server and releases every right it holds; later calls on this
   * object throw, except `stop()` again, which does nothing. The next
   * `instance()` starts a new one, at a new endpoint.
   */
  stop(): void {
    if (current !== this) return;
    native().stopServer();
    current = undefined;
    debug('server stopped');
  }

  #checkRunning(): void {
    if (current !== this) {
      throw rendezvousError(Error, 'ERR_RENDEZVOUS_SERVER_STOPPED', 'This rendezvous server was stopped');
    }
  }
}
