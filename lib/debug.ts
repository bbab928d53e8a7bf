import { debuglog } from 'node:util';

/** The JS half of NODE_DEBUG=rendezvous ("RENDEZVOUS <pid>: ..."). */
export const debug = debuglog('rendezvous');

/** Whether the native half should log too. */
export function debugEnabled(): boolean {
  return debug.enabled;
}
