import { debug } from './debug';
import { rendezvousError } from './errors';
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
 * Access is by copy (`read()`, `write()`), which works everywhere, including
 * inside Electron's V8 memory cage. Where the runtime allows external
 * ArrayBuffers (plain Node), `buffer` is also a zero-copy view of the whole
 * region; `SharedMemory.zeroCopySupported` says which mode is active.
 *
 * Regions never change size. Hand one to a child through `fork()`'s `ports`
 * or in a channel message: the receiver maps the same region, and each side
 * closes its own mapping.
 */
export class SharedMemory {
  readonly #native: NativeSharedMemory;
  #closed = false;

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

  /** True where `buffer` gives a zero-copy view (plain Node); false inside
   * Electron's memory cage, or when ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY
   * was `copy` when the addon loaded. The addon decides it once, for
   * regions and channel messages alike. */
  static get zeroCopySupported(): boolean {
    return constants.zeroCopy;
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
   * The whole region as an ArrayBuffer, without a copy; the same buffer each
   * time. Throws ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE where
   * `zeroCopySupported` is false. `close()` detaches it.
   */
  get buffer(): ArrayBuffer {
    this.#checkOpen();
    if (!SharedMemory.zeroCopySupported) {
      throw rendezvousError(
        Error,
        'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE',
        'Zero-copy views are not available here; use read() and write()',
      );
    }
    return this.#native.buffer();
  }

  /** Unmaps the region from this process and closes its handle. Other
   * processes' mappings are unaffected. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
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
