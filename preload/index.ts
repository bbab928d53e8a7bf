/**
 * The helper process's API. Loaded with `--require` before the process's own
 * module, it performs the rendezvous at once, so the rights are ready when
 * user code runs.
 */
import { RendezvousClient } from './client';

RendezvousClient.instance();

export { RendezvousClient };
export {
  Channel,
  type ChannelData,
  type ChannelFd,
  type ChannelMachRight,
  type ChannelMessage,
  type OutgoingHandle,
  type ReceivedHandle,
} from '../lib/channel';
export { MachReceiveRight, MachSendRight } from '../lib/mach_rights';
export { ReceivedFd } from '../lib/received-fd';
export { SharedMemory } from '../lib/shared-memory';
export type { RendezvousError, RendezvousErrorCode } from '../lib/errors';
