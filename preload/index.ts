/**
 * The helper process's API. Loaded with `--require` before the process's own
 * module, it does only what must happen before user code runs: it takes the
 * rendezvous endpoint out of the environment (preload/endpoint.ts). The API
 * itself (preload/api.ts, and the addon with it) loads on the first use of
 * any export below, and `RendezvousClient.instance()` performs the
 * rendezvous on its first call; the parent's server holds the rights until
 * then, or until this process exits. A child that never uses the API starts
 * as fast as one launched without it.
 */
import type * as Api from './api';
import { takeEndpointFromEnvironment } from './endpoint';

takeEndpointFromEnvironment();

// The API's values, each the same object `./api` exports; declared here and
// defined below as getters, so nothing is loaded until one is read.
export declare const {
  RendezvousClient,
  Channel,
  MachReceiveRight,
  MachSendRight,
  ReceivedFd,
  SharedMemory,
  RendezvousError,
}: Pick<typeof Api, LazyExport>;
// And the classes' instance types, under the same names.
export type RendezvousClient = Api.RendezvousClient;
export type Channel = Api.Channel;
export type MachReceiveRight = Api.MachReceiveRight;
export type MachSendRight = Api.MachSendRight;
export type ReceivedFd = Api.ReceivedFd;
export type SharedMemory = Api.SharedMemory;
export type RendezvousError = Api.RendezvousError;
export type {
  ChannelData,
  ChannelEventName,
  ChannelEvents,
  ChannelListener,
  ChannelFd,
  ChannelMachRight,
  ChannelMessage,
  OutgoingHandle,
  ReceivedHandle,
  DgramAdoptionOptions,
  SocketAdoptionOptions,
  NodeHandleObject,
  RendezvousErrorCode,
} from './api';

/** Every value `./api` exports (test/22 checks the two lists agree). */
const LAZY_EXPORTS = [
  'RendezvousClient',
  'Channel',
  'MachReceiveRight',
  'MachSendRight',
  'ReceivedFd',
  'SharedMemory',
  'RendezvousError',
] as const;
type LazyExport = (typeof LAZY_EXPORTS)[number];

let api: typeof Api | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadApi = (): typeof Api => (api ??= require('./api') as typeof Api);

for (const name of LAZY_EXPORTS) {
  Object.defineProperty(exports, name, { enumerable: true, get: () => loadApi()[name] });
}

// Node's CommonJS lexer finds an ES module importer's named exports in
// assignments like these, which never run.
if (false as boolean) {
  exports.RendezvousClient = undefined;
  exports.Channel = undefined;
  exports.MachReceiveRight = undefined;
  exports.MachSendRight = undefined;
  exports.ReceivedFd = undefined;
  exports.SharedMemory = undefined;
  exports.RendezvousError = undefined;
}
