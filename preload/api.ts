/**
 * The helper process's whole API, loaded on its first use through the
 * preload's lazy exports (preload/index.ts). Loading it loads the addon.
 */
export { RendezvousClient } from './client';
export * from '../lib/shared-api';
