import { constants, native } from './native';

/**
 * Every limit the TypeScript layer checks or documents, as the addon
 * exports it: the addon enforces the same values, so the two cannot drift.
 */
export const LIMITS = constants.limits;

/** Rights one registration carries at most. */
export const MAX_RIGHTS_PER_PROCESS = LIMITS.maxRightsPerProcess;
/** Keys are uint32 (the wire format's key field). */
export const MAX_KEY = LIMITS.maxKey;
/** Largest shared memory region. */
export const MAX_SHARED_MEMORY_BYTES = LIMITS.maxSharedMemoryBytes;
/** Handles one channel message carries at most. */
export const MAX_HANDLES_PER_MESSAGE = LIMITS.maxHandlesPerMessage;
export const DEFAULT_PENDING_REQUEST_TIMEOUT_MS = LIMITS.defaultPendingRequestTimeoutMs;

/** Throws the addon's own error for a registration of more than
 * MAX_RIGHTS_PER_PROCESS rights, so the message is written once. */
export function checkRightCount(count: number): void {
  native().checkRightCount(count);
}
