/** What both entry points export: the payloads, the owned handle types and
 * the error types, the same in the main process and in children. */
export {
  Channel,
  type ChannelData,
  type ChannelEventName,
  type ChannelEvents,
  type ChannelListener,
  type ChannelFd,
  type ChannelMachRight,
  type ChannelMessage,
  type OutgoingHandle,
  type ReceivedHandle,
} from '../lib/channel';
export { MachReceiveRight, MachSendRight } from '../lib/mach_rights';
export type { DgramAdoptionOptions, SocketAdoptionOptions } from '../lib/node-adoption';
export type { NodeHandleObject } from '../lib/node-handles';
export { ReceivedFd } from '../lib/received-fd';
export { SharedMemory } from '../lib/shared-memory';
export { RendezvousError, type RendezvousErrorCode } from '../lib/errors';
