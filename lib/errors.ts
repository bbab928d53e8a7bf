/**
 * Errors raised by the TypeScript layer. They carry the same stable codes as
 * the native layer's (docs/api.md lists them all).
 */

export type RendezvousErrorCode =
  | 'ERR_RENDEZVOUS_INVALID_KEY'
  | 'ERR_RENDEZVOUS_INVALID_PID'
  | 'ERR_RENDEZVOUS_INVALID_RIGHT'
  | 'ERR_RENDEZVOUS_INVALID_DISPOSITION'
  | 'ERR_RENDEZVOUS_INVALID_ARGUMENT'
  | 'ERR_RENDEZVOUS_TOO_MANY_RIGHTS'
  | 'ERR_RENDEZVOUS_ALREADY_REGISTERED'
  | 'ERR_RENDEZVOUS_ALREADY_STARTED'
  | 'ERR_RENDEZVOUS_UNKNOWN_LAUNCH'
  | 'ERR_RENDEZVOUS_PROCESS_GONE'
  | 'ERR_RENDEZVOUS_SERVER_STOPPED'
  | 'ERR_RENDEZVOUS_SERVER_DIED'
  | 'ERR_RENDEZVOUS_NO_SERVER'
  | 'ERR_RENDEZVOUS_NOT_PARENT'
  | 'ERR_RENDEZVOUS_TIMEOUT'
  | 'ERR_RENDEZVOUS_BAD_REPLY'
  | 'ERR_RENDEZVOUS_NO_REPLY'
  | 'ERR_RENDEZVOUS_BAD_ENDPOINT'
  | 'ERR_RENDEZVOUS_WRONG_KIND'
  | 'ERR_RENDEZVOUS_ADDON_NOT_FOUND'
  | 'ERR_RENDEZVOUS_APP_NOT_READY'
  | 'ERR_RENDEZVOUS_CLOSED'
  | 'ERR_RENDEZVOUS_OUT_OF_RANGE'
  | 'ERR_RENDEZVOUS_BAD_MESSAGE'
  | 'ERR_RENDEZVOUS_CHANNEL_BUSY'
  | 'ERR_RENDEZVOUS_QUEUE_FULL'
  | 'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE'
  | 'ERR_RENDEZVOUS_SYSTEM';

const CODE_PREFIX = 'ERR_RENDEZVOUS_';

/**
 * What every error of this package is: an `Error`, `TypeError` or
 * `RangeError` (bad arguments stay TypeErrors and RangeErrors, as Node's own
 * are) with a stable `code`. `error instanceof RendezvousError` recognises
 * each of them, whether the TypeScript layer or the native addon threw it;
 * nothing is ever constructed from this class.
 */
export class RendezvousError extends Error {
  declare readonly code: RendezvousErrorCode;
  /** The system call that failed, for OS failures. */
  declare readonly syscall?: string;
  /** Its errno (a `kern_return_t` for Mach calls). */
  declare readonly errno?: number;

  private constructor() {
    super();
    throw new TypeError(
      'RendezvousError is not constructed: it recognises errors with an ERR_RENDEZVOUS_ code',
    );
  }

  static override [Symbol.hasInstance](value: unknown): value is RendezvousError {
    if (!(value instanceof Error)) return false;
    const { code } = value as { code?: unknown };
    return typeof code === 'string' && code.startsWith(CODE_PREFIX);
  }
}

type ErrorClass = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;

export function rendezvousError(
  errorClass: ErrorClass,
  code: RendezvousErrorCode,
  message: string,
): RendezvousError {
  return Object.assign(new errorClass(message), { code }) as RendezvousError;
}
