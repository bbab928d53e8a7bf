import * as path from 'node:path';

import type { RendezvousError } from './errors';
import { ADDON_PATH_VARIABLE, loadAddon } from './loader';

/** A right as handed to the addon: a handle and what to do with it, or a
 * region the addon reads its handle from. Without a disposition the backend
 * sends the handle as it sends what `payload` names (a descriptor the
 * caller keeps, a channel end it gives up). */
export type NativeRightSpec =
  | {
      key: number;
      handle: number;
      disposition?: string;
      /** What the handle carries for the child (RightKind.Channel); absent
       * for a plain right. */
      payload?: RightKind;
    }
  | { key: number; region: NativeSharedMemory }
  | { key: number; channel: NativeChannel };

/** RightKind's values by name, as the addon exports them (addon/core/right.h). */
export interface RightKinds {
  readonly Fd: 0;
  readonly SendRight: 1;
  readonly ReceiveRight: 2;
  readonly SendOnceRight: 3;
  readonly SharedMemory: 4;
  readonly Channel: 5;
  readonly Handle: 6;
}

/** What a received handle is. */
export type RightKind = RightKinds[keyof RightKinds];

/** The addon's limits (addon/core/limits.h and its neighbours). The literal
 * types are the documented values; a test checks the addon agrees. */
export interface NativeLimits {
  readonly maxRightsPerProcess: 64;
  readonly maxKey: 4294967295;
  readonly maxSharedMemoryBytes: 68719476736;
  readonly maxHandlesPerMessage: 64;
  readonly defaultPendingRequestTimeoutMs: 10000;
  readonly defaultRequestReadTimeoutMs: 2000;
  readonly defaultMaxHeldRequests: 128;
  readonly defaultMaxConnections: 256;
  readonly maxServerTimeoutMs: 3600000;
  readonly maxServerCapacity: 65536;
}

/** The addon's frozen `constants` (addon/napi/constants.cc). */
export interface NativeConstants {
  readonly limits: NativeLimits;
  readonly rightKind: RightKinds;
  /** How the backend sends the handles of the caller's own objects. */
  readonly defaultDispositions: {
    readonly sharedFd: string;
    readonly sharedRegion: string;
    readonly channelEnd: string;
  };
  /** Whether Mach port rights exist here (macOS). */
  readonly machPorts: boolean;
  /** Whether regions may be mapped in place inside SharedArrayBuffers (views
   * in place, which work inside Electron's memory cage too), decided once at
   * load: false where the backend cannot, or under
   * ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy-only. */
  readonly zeroCopy: boolean;
  /** Whether ArrayBuffers over the addon's memory are allowed (plain Node),
   * decided once at load: false inside Electron's memory cage, and under
   * ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy or copy-only. */
  readonly externalBuffers: boolean;
  /** The page size views in place are laid out in. */
  readonly pageSize: number;
}

/** A mapped shared memory region (addon/napi/shared_memory_bindings.cc). */
export interface NativeSharedMemory {
  read(offset: number, target: ArrayBufferView | ArrayBuffer): number;
  write(offset: number, source: ArrayBufferView | ArrayBuffer): number;
  /** The zero-copy view; throws where external buffers are refused. */
  buffer(): ArrayBuffer;
  /** Maps the region in place inside the SharedArrayBuffer under
   * `publicBytes` (a Uint8Array over all of it) and returns a Uint8Array
   * over exactly the region; `anchorBytes` is over a second
   * SharedArrayBuffer object sharing that memory (lib/in-place-view.ts). */
  mapView(publicBytes: Uint8Array, anchorBytes: Uint8Array, endsOnClose: boolean): Uint8Array;
  close(): void;
  readonly byteLength: number;
  /** The handle, still owned by the region. */
  readonly handle: number;
}

/** A handle as a channel message carries it. */
export interface NativeOutgoingHandle {
  handle: number;
  kind: RightKind;
  byteLength: number;
  /** Taken by the message (true) or duplicated for it (false). */
  move: boolean;
}

/** A raw handle that arrived in a channel message. */
export interface NativeReceivedRaw {
  kind: RightKind;
  handle: number;
}

export type NativeReceived = NativeSharedMemory | NativeChannel | NativeReceivedRaw;

export const enum ChannelEvent {
  Message = 0,
  Drain = 1,
  Close = 2,
  Error = 3,
}

/** One channel end (addon/napi/channel_bindings.cc). */
export interface NativeChannel {
  /** Where events go: (event, ...args). */
  onEvent?: (event: ChannelEvent, data?: unknown, isText?: boolean, handles?: NativeReceived[]) => void;
  /** Begins reading. */
  start(): void;
  /** Regions are duplicated for the message and ends taken by it, once every
   * handle passed its checks. */
  postMessage(
    bytes: Uint8Array,
    isText: boolean,
    handles: Array<NativeOutgoingHandle | NativeSharedMemory | NativeChannel> | undefined,
  ): boolean;
  close(): void;
  /** Gives up the end for transfer; returns its handle. */
  release(): number;
  setLoopRef(ref: boolean): void;
  readonly queuedBytes: number;
  readonly isOpen: boolean;
}

export interface NativeServerOptions {
  bootstrapNamePrefix?: string;
  pendingRequestTimeoutMs?: number;
  requestReadTimeoutMs?: number;
  maxHeldRequests?: number;
  maxConnections?: number;
  debug?: boolean;
}

export interface NativeServerStats {
  running: boolean;
  registrations: number;
  pendingLaunches: number;
  heldRequests: number;
  /** Why the server stopped serving on its own; null while it serves. */
  failure: RendezvousError | null;
}

/** The raw addon, typed once (addon/napi/*_bindings.cc). */
export interface NativeAddon {
  startServer(options: NativeServerOptions): string;
  stopServer(): void;
  /** `rights` as objects, or plain handle rights packed as [key, handle,
   * index in `packedDispositions`] records. */
  prepareLaunch(rights: NativeRightSpec[] | Float64Array): number;
  bindLaunch(launch: number, pid: number): void;
  cancelLaunch(launch: number, giveBack?: boolean): void;
  registerForPid(pid: number, rights: NativeRightSpec[] | Float64Array): void;
  /** The dispositions a packed registration names by index. */
  readonly packedDispositions: readonly string[];
  serverStats(): NativeServerStats;
  performRendezvous(
    endpoint: string,
    expectedServerPid: number,
    timeoutMs: number,
    debug: boolean,
  ): Float64Array /* key, handle, kind, byteLength, key, ... */;
  releaseRight(handle: number, kind: RightKind): void;
  createSharedMemory(byteLength: number): NativeSharedMemory;
  mapSharedMemory(handle: number, byteLength: number): NativeSharedMemory;
  /** The address of a typed array's first byte (tests, diagnostics). */
  typedArrayAddress(view: ArrayBufferView): bigint;
  /** Throws the addon's refusal of a registration of `count` rights, if
   * there are too many. */
  checkRightCount(count: number): void;
  readonly constants: NativeConstants;
  createChannelPair(): [NativeChannel, NativeChannel];
  adoptChannel(handle: number): NativeChannel;
}

let addon: NativeAddon | undefined;

/** Loads the addon once: the build ELECTRON_PORT_RENDEZVOUS_ADDON names, else
 * a local build or a matching prebuild. */
export function native(): NativeAddon {
  const override = process.env[ADDON_PATH_VARIABLE];
  addon ??= override
    ? (require(override) as NativeAddon)
    : loadAddon<NativeAddon>(path.join(__dirname, '..', '..'));
  return addon;
}

/** The addon's constants, read from it once. */
export const constants: NativeConstants = native().constants;

/** RightKind's values, from the addon. */
export const RightKind: RightKinds = constants.rightKind;
