import * as path from 'node:path';

import { loadAddon } from './loader';

/** A right as handed to the addon: a handle and what to do with it. */
export interface NativeRightSpec {
  key: number;
  handle: number;
  disposition: string;
}

/** What a received handle is (addon/core/platform.h RightKind). */
export const enum RightKind {
  Fd = 0,
  SendRight = 1,
  ReceiveRight = 2,
  SendOnceRight = 3,
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
}

/** The raw addon, typed once (addon/napi/*_bindings.cc). */
export interface NativeAddon {
  startServer(options: NativeServerOptions): string;
  stopServer(): void;
  prepareLaunch(rights: NativeRightSpec[]): number;
  bindLaunch(launch: number, pid: number): void;
  cancelLaunch(launch: number): void;
  registerForPid(pid: number, rights: NativeRightSpec[]): void;
  serverStats(): NativeServerStats;
  performRendezvous(
    endpoint: string,
    expectedServerPid: number,
    timeoutMs: number,
    debug: boolean,
  ): Uint32Array /* key, handle, kind, key, handle, kind, ... */;
  releaseRight(handle: number, kind: RightKind): void;
}

let addon: NativeAddon | undefined;

/** Loads the addon once, from a local build or a matching prebuild. */
export function native(): NativeAddon {
  addon ??= loadAddon<NativeAddon>(path.join(__dirname, '..', '..'));
  return addon;
}
