import { debug } from './debug';
import { rendezvousError } from './errors';
import { inPlaceViewsWork, mapInPlace } from './in-place-view';
import { MAX_SHARED_MEMORY_BYTES } from './limits';
import { constants, native, type NativeSharedMemory } from './native';

const NATIVE = Symbol('native');

function checkOffset(offset: unknown): number {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw rendezvousError(
      RangeError,
      'ERR_RENDEZVOUS_OUT_OF_RANGE',
      `offset must be a non-negative integer, not ${String(offset)}`,
    );
  }
  return offset;
}

/**
 * A memory region shared with another process: both map the same pages, so
 * what one writes the other reads, without a copy through a pipe.
 *
 * `view()` is a Uint8Array that is the region's pages, without a copy, in
 * plain Node and inside Electron's V8 memory cage alike (on Linux and macOS;
 * `SharedMemory.zeroCopySupported` says whether it works here). Access by
 * copy (`read()`, `write()`) works everywhere. The older `buffer`, an
 * external ArrayBuffer, exists only where the runtime allows those (plain
 * Node), and is superseded by `view()`.
 *
 * Regions never change size. Hand one to a child through `fork()`'s `ports`
 * or in a channel message: the receiver maps the same region, and each side
 * closes its own mapping.
 */
export class SharedMemory {
  readonly #native: NativeSharedMemory;
  #closed = false;
  #view: Uint8Array | undefined;

  private constructor(region: NativeSharedMemory) {
    this.#native = region;
  }

  /** A new zero-filled region of `byteLength` bytes. */
  static create(byteLength: number): SharedMemory {
    if (
      typeof byteLength !== 'number' ||
      !Number.isSafeInteger(byteLength) ||
      byteLength < 1 ||
      byteLength > MAX_SHARED_MEMORY_BYTES
    ) {
      throw rendezvousError(
        RangeError,
        'ERR_RENDEZVOUS_INVALID_ARGUMENT',
        `byteLength must be an integer from 1 to ${MAX_SHARED_MEMORY_BYTES}, not ${String(byteLength)}`,
      );
    }
    const region = native().createSharedMemory(byteLength);
    debug('shared memory: created a %d-byte region (handle %d)', byteLength, region.handle);
    return new SharedMemory(region);
  }

  /** True where `view()` works: on Linux and macOS, in plain Node and
   * inside Electron's memory cage alike, unless the once-per-environment
   * self-test of views in place failed or
   * ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY was `copy-only` when the addon
   * loaded. (`copy` only refuses external buffers, as Electron does: views
   * still work under it.) */
  static get zeroCopySupported(): boolean {
    return inPlaceViewsWork();
  }

  /** @internal Wraps a region the addon mapped (one that arrived). */
  static [NATIVE](region: NativeSharedMemory): SharedMemory {
    debug(
      'shared memory: mapped a %d-byte region that arrived (handle %d)',
      region.byteLength,
      region.handle,
    );
    return new SharedMemory(region);
  }

  /** @internal The native region, for sending it. */
  get [NATIVE](): NativeSharedMemory {
    this.#checkOpen();
    return this.#native;
  }

  /** The region's size in bytes (0 once closed). */
  get byteLength(): number {
    return this.#closed ? 0 : this.#native.byteLength;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Copies `target.byteLength` bytes, from `offset` on, into `target`.
   * Returns the number of bytes copied. */
  read(offset: number, target: ArrayBufferView | ArrayBuffer): number {
    this.#checkOpen();
    return this.#native.read(checkOffset(offset), target);
  }

  /** Copies all of `source` into the region at `offset`. Returns the number
   * of bytes copied. */
  write(offset: number, source: ArrayBufferView | ArrayBuffer): number {
    this.#checkOpen();
    return this.#native.write(checkOffset(offset), source);
  }

  /**
   * The whole region as a Uint8Array whose memory is the region's pages,
   * mapped in place inside a SharedArrayBuffer this process allocated: no
   * copy, and no external buffer, so it works inside Electron's memory cage
   * too. The same view each time until `close()`; `view().buffer` is a
   * SharedArrayBuffer somewhat larger than the region (the view starts at
   * `byteOffset` inside it). After `close()` the view (and any clone of its
   * buffer, in a worker say) stays valid memory but reads zeros: it no
   * longer shows the region. Throws ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE
   * where `zeroCopySupported` is false, ERR_RENDEZVOUS_CLOSED after
   * `close()`.
   */
  view(): Uint8Array {
    this.#checkOpen();
    if (this.#view) return this.#view;
    if (!inPlaceViewsWork()) {
      throw rendezvousError(
        Error,
        'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE',
        'Views in place are not available here (ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy-only, ' +
          'no backend for them, or their self-test failed: NODE_DEBUG=rendezvous says which); ' +
          'use read() and write()',
      );
    }
    this.#view = mapInPlace(this.#native, true);
    return this.#view;
  }

  /**
   * Superseded by `view()`, which works in every runtime. The whole region
   * as an external ArrayBuffer, without a copy; the same buffer each time.
   * Only where the runtime allows external ArrayBuffers (plain Node): throws
   * ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE inside Electron's memory cage and
   * under ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy or copy-only.
   * `close()` detaches it.
   */
  get buffer(): ArrayBuffer {
    this.#checkOpen();
    if (!constants.externalBuffers) {
      throw rendezvousError(
        Error,
        'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE',
        'External ArrayBuffers are not allowed here; use view(), or read() and write()',
      );
    }
    return this.#native.buffer();
  }

  /** Unmaps the region from this process and closes its handle; `view()`
   * then reads zeros and `buffer` is detached. Other processes' mappings
   * are unaffected. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#view = undefined;
    const { byteLength, handle } = this.#native;
    this.#native.close();
    debug('shared memory: closed a %d-byte region (handle %d)', byteLength, handle);
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw rendezvousError(Error, 'ERR_RENDEZVOUS_CLOSED', 'The shared memory region is closed');
    }
  }
}

/** @internal */
export { NATIVE as sharedMemoryNative };
