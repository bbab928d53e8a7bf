/**
 * What a launched child finds in its environment. The preload reads these
 * and removes them, so the child's own children do not inherit them.
 *
 * Constants only: the preload loads this module before the child's own, and
 * must not load the addon or the rest of the API with it.
 */
export const ENDPOINT_VARIABLE = 'ELECTRON_PORT_RENDEZVOUS_ENDPOINT';
export const TIMEOUT_VARIABLE = 'ELECTRON_PORT_RENDEZVOUS_TIMEOUT_MS';

/** The client waits this much longer than the server may hold its request. */
export const CLIENT_TIMEOUT_MARGIN_MS = 5000;

/** A utility process's own module, run by the rendezvous entry after it. */
export const ENTRY_VARIABLE = 'ELECTRON_PORT_RENDEZVOUS_ENTRY';
