/**
 * What a launched child finds in its environment. The preload reads these
 * and removes them, so the child's own children do not inherit them.
 */
export const ENDPOINT_VARIABLE = 'ELECTRON_PORT_RENDEZVOUS_ENDPOINT';
export const TIMEOUT_VARIABLE = 'ELECTRON_PORT_RENDEZVOUS_TIMEOUT_MS';

/** The client waits this much longer than the server may hold its request. */
export const CLIENT_TIMEOUT_MARGIN_MS = 5000;
export { DEFAULT_PENDING_REQUEST_TIMEOUT_MS } from './limits';

/** A utility process's own module, run by the rendezvous entry after it. */
export const ENTRY_VARIABLE = 'ELECTRON_PORT_RENDEZVOUS_ENTRY';
