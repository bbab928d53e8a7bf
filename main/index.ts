/** The main process's API: launch children and hand them OS handles. */
export {
  fork,
  PRELOAD_PATH,
  UTILITY_ENTRY_PATH,
  type RendezvousForkOptions,
  type RendezvousUtilityForkOptions,
} from './fork';
export {
  MAX_RIGHTS_PER_PROCESS,
  type FdDisposition,
  type FdRight,
  type HandleRight,
  type MachDisposition,
  type MachPortRight,
  type PortsForRendezvous,
  type Transferable,
} from './rights';
export { PendingLaunch, RendezvousServer, type RendezvousServerOptions, type ServerStats } from './server';
export * from '../lib/shared-api';
