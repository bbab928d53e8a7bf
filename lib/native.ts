import * as path from 'node:path';

import type { RendezvousError } from './errors';
import { ADDON_PATH_VARIABLE, loadAddon } from './loader';

/** A right as handed to the addon: a handle and what to do with it. */
export interface NativeRightSpec {
  key: number;
  handle: number;
  disposition: string;
  /** What the handle carries for the child (RightKind.SharedMemory or
   * RightKind.Channel); absent for a plain right. */
  payload?: RightKind;
  /** A shared memory region's size. */
  byteLength?: number;
}

/** What a received handle is (addon/core/platform.h RightKind). */
export const enum RightKind {
  Fd = 0,
  SendRight = 1,
  ReceiveRight = 2,
  SendOnceRight = 3,
  SharedMemory = 4,
  Channel = 5,
}

/** A mapped shared memory region (addon/napi/shared_memory_bindings.cc). */
export interface NativeSharedMemory {
  read(offset: number, target: ArrayBufferView | ArrayBuffer): number;
  write(offset: number, source: ArrayBufferView | ArrayBuffer): number;
  /** The zero-copy view; throws where external buffers are refused. */
  buffer(): ArrayBuffer;
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
  postMessage(bytes: Uint8Array, isText: boolean, handles: NativeOutgoingHandle[] | undefined): boolean;
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
  prepareLaunch(rights: NativeRightSpec[]): number;
  bindLaunch(launch: number, pid: number): void;
  cancelLaunch(launch: number, giveBack?: boolean): void;
  registerForPid(pid: number, rights: NativeRightSpec[]): void;
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
  readonly externalBuffersAllowed: boolean;
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
