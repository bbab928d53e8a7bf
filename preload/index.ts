/**
 * The helper process's API. Loaded with `--require` before the process's own
 * module, it performs the rendezvous at once, so the rights are ready when
 * user code runs.
 */
import { RendezvousClient } from './client';

RendezvousClient.instance();

export { RendezvousClient };
export * from '../lib/shared-api';
