import { debug } from './debug';
import { rendezvousError } from './errors';
import { constants, native, type NativeSharedMemory } from './native';

/**
 * Views in place: a region's pages mapped over the interior of a
 * SharedArrayBuffer that JS allocated, so the view is memory V8 allocated
 * itself and works inside Electron's V8 memory cage, where ArrayBuffers over
 * outside memory are refused (addon/napi/in_place_view.h,
 * docs/security.md "Views in place").
 *
 * The buffer is a page larger than the region rounded up to pages, so that
 * whole pages of it lie strictly inside its bytes whatever the allocator's
 * alignment. Its anchor, a structuredClone of it, is a second
 * SharedArrayBuffer object over the same memory: the addon holds the anchor,
 * never the public buffer, so collecting the public buffer (and every view
 * over it) is what tells the addon to map private pages back, after which it
 * lets the anchor, and so the memory, go.
 */

let working: boolean | undefined;

/** Allocates a buffer a view of `byteLength` bytes fits inside, and its
 * anchor. */
function allocate(byteLength: number): [Uint8Array, Uint8Array] {
  const page = constants.pageSize;
  const size = Math.ceil(byteLength / page) * page + page;
  let buffer: SharedArrayBuffer;
  try {
    buffer = new SharedArrayBuffer(size);
  } catch (error) {
    throw rendezvousError(
      RangeError,
      'ERR_RENDEZVOUS_OUT_OF_RANGE',
      `Could not allocate a ${size}-byte SharedArrayBuffer for a view: ${(error as Error).message}`,
    );
  }
  const anchor = structuredClone(buffer);
  return [new Uint8Array(buffer), new Uint8Array(anchor)];
}

function map(region: NativeSharedMemory, endsOnClose: boolean): Uint8Array {
  const [shown, anchor] = allocate(region.byteLength);
  return region.mapView(shown, anchor, endsOnClose);
}

/** Proves the mechanism once, on a private one-page region: what JS writes
 * through the view the region's own mapping reads, and the reverse, and
 * closing the region maps private zero pages back under the view. */
function selfTest(): boolean {
  const page = constants.pageSize;
  let region: NativeSharedMemory | undefined;
  try {
    region = native().createSharedMemory(page);
    const view = map(region, true);
    view[0] = 0xa5;
    view[page - 1] = 0x5a;
    const seen = new Uint8Array(page);
    region.read(0, seen);
    if (seen[0] !== 0xa5 || seen[page - 1] !== 0x5a) {
      throw new Error('the region’s mapping did not see a write through the view');
    }
    region.write(1, Uint8Array.of(0x3c));
    if (view[1] !== (0x3c as number))
      throw new Error('the view did not see a write through the region’s mapping');
    region.close();
    region = undefined;
    if (view[0] !== 0 || view[1] !== 0) throw new Error('closing left the region under the view');
    return true;
  } catch (error) {
    debug('shared memory: views in place failed their self-test, so copy mode: %s', (error as Error).message);
    region?.close();
    return false;
  }
}

/** @internal Whether views in place work here: allowed at load
 * (`constants.zeroCopy`) and proved by the self-test, run once per JS
 * environment on first use. */
export function inPlaceViewsWork(): boolean {
  if (!constants.zeroCopy) return false;
  working ??= selfTest();
  return working;
}

/** @internal Maps `region` in place; a failure of the mechanism itself
 * (the mapping or the view not where computed) turns views in place off
 * here, as a failed self-test does. */
export function mapInPlace(region: NativeSharedMemory, endsOnClose: boolean): Uint8Array {
  try {
    return map(region, endsOnClose);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE') {
      working = false;
      debug('shared memory: a view in place failed, so copy mode from now on: %s', (error as Error).message);
    }
    throw error;
  }
}

/**
 * @internal A Uint8Array over exactly `region`, its pages mapped in place
 * (for a message body, which has no region the user sees), or undefined
 * where views in place do not work (then read the region by copy).
 *
 * Contract: the view owns its mapping. It stays the region's pages until it
 * (its buffer, every view over that buffer) is collected, whatever happens to
 * `region`: the caller may drop `region` or close it right away; closing it
 * does not end the view. A clone of the view's buffer (given to a worker)
 * reads zeros once the view is collected. Throws ERR_RENDEZVOUS_OUT_OF_RANGE
 * when no buffer that large can be allocated.
 */
export function inPlaceView(region: NativeSharedMemory): Uint8Array | undefined {
  if (!inPlaceViewsWork()) return undefined;
  try {
    return mapInPlace(region, false);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE') return undefined;
    throw error;
  }
}
