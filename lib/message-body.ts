// The data of a channel message that arrived out of line: the addon hands
// it over as a mapped region (a body sealed against resizing, mapped
// copy-on-write), and this is the one place that turns it into the
// message's bytes.
import { inPlaceView } from './in-place-view';
import type { NativeSharedMemory } from './native';

/**
 * The bytes of a message body. Where views in place work (plain Node, and
 * inside Electron's memory cage) they are a view whose pages are the body's
 * mapping, with no copy: the mapping, and with it the body (which a pooled
 * sender may then reuse), goes when the view's buffer is collected. The
 * region is closed at once either way; in pure copy mode
 * (ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy-only, or where the self-test
 * failed) the bytes are copied once into a new array first.
 */
export function bodyBytes(region: NativeSharedMemory): Uint8Array {
  try {
    const view = inPlaceView(region);
    if (view !== undefined) return view;
    const bytes = new Uint8Array(region.byteLength);
    region.read(0, bytes);
    return bytes;
  } finally {
    region.close();
  }
}

/** A text message's body, decoded from one copy; the region is closed at
 * once, so the body goes back to its sender without waiting for a
 * collection. */
export function bodyText(region: NativeSharedMemory): string {
  try {
    const bytes = Buffer.allocUnsafe(region.byteLength);
    region.read(0, bytes);
    return bytes.toString('utf8');
  } finally {
    region.close();
  }
}
