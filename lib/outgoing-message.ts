// A channel message's data and its handles other than channel ends, in the
// shape the addon takes them.
import type { ChannelData } from './channel';
import { rendezvousError } from './errors';
import { RIGHT_SHAPES, TRANSFERABLE_OBJECTS } from './messages';
import { constants, RightKind, type NativeOutgoingHandle, type NativeSharedMemory } from './native';
import { descriptorOf, isNodeHandleObject } from './node-handles';
import { SharedMemory, sharedMemoryNative } from './shared-memory';

const MACH_KINDS: Readonly<Record<string, [RightKind, boolean]>> = {
  'copy-send': [RightKind.SendRight, false],
  'move-send': [RightKind.SendRight, true],
  'move-receive': [RightKind.ReceiveRight, true],
  'move-send-once': [RightKind.SendOnceRight, true],
};

export function toBytes(data: ChannelData): { bytes: Uint8Array; isText: boolean } {
  if (typeof data === 'string') return { bytes: Buffer.from(data, 'utf8'), isText: true };
  if (ArrayBuffer.isView(data)) {
    return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), isText: false };
  }
  if (data instanceof ArrayBuffer) return { bytes: new Uint8Array(data), isText: false };
  throw rendezvousError(
    TypeError,
    'ERR_RENDEZVOUS_INVALID_ARGUMENT',
    'A message must be a string, an ArrayBuffer or an ArrayBufferView',
  );
}

export function invalidHandle(index: number, why: string): Error {
  return rendezvousError(TypeError, 'ERR_RENDEZVOUS_INVALID_RIGHT', `Handle ${index}: ${why}`);
}

function checkHandleNumber(index: number, value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw invalidHandle(index, `${field} must be a non-negative integer, not ${String(value)}`);
  }
  return value;
}

/** A handle other than a channel end in the addon's shape: a region as its
 * native object (the addon duplicates it), anything else by number. */
export function describeHandle(handle: unknown, index: number): NativeOutgoingHandle | NativeSharedMemory {
  if (handle instanceof SharedMemory) return handle[sharedMemoryNative];
  if (isNodeHandleObject(handle)) {
    return {
      handle: descriptorOf(handle, `Handle ${index}`),
      kind: RightKind.Fd,
      byteLength: 0,
      move: false,
    };
  }
  if (typeof handle !== 'object' || handle === null) {
    throw invalidHandle(index, `expected ${TRANSFERABLE_OBJECTS}, ${RIGHT_SHAPES}`);
  }
  const { fd, port, disposition } = handle as { fd?: unknown; port?: unknown; disposition?: unknown };
  if (port !== undefined) {
    if (!constants.machPorts) throw invalidHandle(index, 'Mach ports exist only on macOS');
    const kind = typeof disposition === 'string' ? MACH_KINDS[disposition] : undefined;
    if (kind === undefined) {
      throw invalidHandle(index, `disposition must be one of ${Object.keys(MACH_KINDS).join(', ')}`);
    }
    return { handle: checkHandleNumber(index, port, 'port'), kind: kind[0], byteLength: 0, move: kind[1] };
  }
  if (disposition !== 'copy' && disposition !== 'move') {
    throw invalidHandle(index, "an fd's disposition must be 'copy' or 'move'");
  }
  return {
    handle: checkHandleNumber(index, fd, 'fd'),
    kind: RightKind.Fd,
    byteLength: 0,
    move: disposition === 'move',
  };
}
