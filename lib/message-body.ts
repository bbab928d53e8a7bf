// The data of a channel message that arrived out of line: the addon hands
// it over as a mapped region (a sealed body the peer can no longer change,
// mapped copy-on-write), and this is the one place that turns it into the
// message's bytes.
import { constants, type NativeSharedMemory } from './native';

/**
 * The bytes of a message body. Where the runtime allows external buffers
 * they are the mapping itself, with no copy: the mapping (and its memfd)
 * goes when the returned array and the region are both collected. Where it
 * refuses them (Electron's memory cage, or
 * ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy) the bytes are copied once
 * into a new array and the region is closed at once.
 */
export function bodyBytes(region: NativeSharedMemory): Uint8Array {
  if (constants.zeroCopy) {
    const buffer = region.buffer() as ArrayBuffer | undefined;
    if (buffer !== undefined) return new Uint8Array(buffer);
  }
  try {
    const bytes = new Uint8Array(region.byteLength);
    region.read(0, bytes);
    return bytes;
  } finally {
    region.close();
  }
}

/** A text message's body, decoded; the region is closed at once. */
export function bodyText(region: NativeSharedMemory): string {
  try {
    const bytes = bodyBytes(region);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  } finally {
    region.close();
  }
}
