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

export interface RendezvousError extends Error {
  code: RendezvousErrorCode;
  syscall?: string;
  errno?: number;
}

type ErrorClass = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;

export function rendezvousError(
  errorClass: ErrorClass,
  code: RendezvousErrorCode,
  message: string,
): RendezvousError {
  const error = new errorClass(message) as RendezvousError;
  error.code = code;
  return error;
}
