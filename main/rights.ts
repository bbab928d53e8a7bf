import { Channel, channelTransfer } from '../lib/channel';
import { rendezvousError } from '../lib/errors';
import { checkKey } from '../lib/keys';
import { checkRightCount, MAX_RIGHTS_PER_PROCESS } from '../lib/limits';
import { RIGHT_SHAPES, TRANSFERABLE_OBJECTS } from '../lib/messages';
import { constants, native, type NativeRightSpec } from '../lib/native';
import { descriptorOf, isNodeHandleObject, type NodeHandleObject } from '../lib/node-handles';
import { SharedMemory, sharedMemoryNative } from '../lib/shared-memory';

/** What the server does with a file descriptor it is given. */
export type FdDisposition =
  /** The server takes the descriptor: from this call on, its number is no
   * longer the caller's to use or close. */
  | 'move'
  /** The server keeps a duplicate; the caller keeps its own descriptor. */
  | 'copy';

/** A file descriptor to hand to a child. */
export interface FdRight {
  fd: number;
  disposition: FdDisposition;
}

/** What the server does with a Mach port right it is given (macOS). The
 * `move-*` kinds hand the caller's right to the server, which destroys it if
 * the child never claims it; the others are copied or made when the reply is
 * sent, so the caller must keep its right alive until the child has it. */
export type MachDisposition =
  'move-send' | 'copy-send' | 'make-send' | 'move-receive' | 'make-send-once' | 'move-send-once';

/** A Mach port right to hand to a child (macOS), by its name in this task. */
export interface MachPortRight {
  port: number;
  disposition: MachDisposition;
}

/** Anything that can be handed to a child by rendezvous. A SharedMemory or
 * one of Node's objects is shared (the parent keeps its mapping or its
 * object, open); a Channel end is handed over (the parent's object is
 * closed once it is registered). */
export type Transferable = FdRight | MachPortRight | SharedMemory | Channel | NodeHandleObject;

/** Rights keyed by uint32 keys the child uses to take them. Not an array:
 * its indexes would number the rights silently (`length` keeps one out). */
export type PortsForRendezvous =
  (Readonly<Record<number, Transferable>> & { readonly length?: never }) | ReadonlyMap<number, Transferable>;

export { MAX_RIGHTS_PER_PROCESS };
const FD_DISPOSITIONS: ReadonlySet<string> = new Set(['move', 'copy']);
const MACH_DISPOSITIONS: ReadonlySet<string> = new Set([
  'move-send',
  'copy-send',
  'make-send',
  'move-receive',
  'make-send-once',
  'move-send-once',
]);

function checkHandle(key: number, field: 'fd' | 'port', value: unknown, max: number): number {
  if (typeof value !== 'number') {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_RIGHT',
      `The right for key ${key} needs a numeric ${field}`,
    );
  }
  if (!Number.isInteger(value) || value < (field === 'fd' ? 0 : 1) || value > max) {
    throw rendezvousError(
      RangeError,
      'ERR_RENDEZVOUS_INVALID_RIGHT',
      `The right for key ${key} has an invalid ${field}: ${value}`,
    );
  }
  return value;
}

function checkDisposition(key: number, disposition: unknown, allowed: ReadonlySet<string>): string {
  if (typeof disposition !== 'string' || !allowed.has(disposition)) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_DISPOSITION',
      `The right for key ${key} needs disposition ${[...allowed].map((d) => `'${d}'`).join(', ')}; not ${JSON.stringify(disposition)}`,
    );
  }
  return disposition;
}

/** A right in the addon's shape, but a channel end still as its Channel
 * (see `registerPorts`). */
type CheckedRight = NativeRightSpec | { key: number; end: Channel };

function checkRight(key: number, right: unknown): CheckedRight {
  // The addon takes its own reference to the region's handle.
  if (right instanceof SharedMemory) return { key, region: right[sharedMemoryNative] };
  if (right instanceof Channel) {
    if (right.closed) {
      throw rendezvousError(
        TypeError,
        'ERR_RENDEZVOUS_INVALID_RIGHT',
        `The channel end for key ${key} is closed`,
      );
    }
    return { key, end: right };
  }
  if (isNodeHandleObject(right)) {
    // The server keeps a duplicate (the backend's default for a plain
    // descriptor); the object stays the caller's, open.
    return {
      key,
      handle: descriptorOf(right, `The right for key ${key}`),
      disposition: constants.defaultDispositions.sharedFd,
    };
  }
  if (typeof right !== 'object' || right === null) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_RIGHT',
      `The right for key ${key} must be ${TRANSFERABLE_OBJECTS}, or an object like ${RIGHT_SHAPES}`,
    );
  }
  const { fd, port, disposition } = right as { fd?: unknown; port?: unknown; disposition?: unknown };
  if (port !== undefined) {
    if (!constants.machPorts) {
      throw rendezvousError(
        TypeError,
        'ERR_RENDEZVOUS_INVALID_RIGHT',
        `The right for key ${key} is a Mach port; those exist only on macOS`,
      );
    }
    const handle = checkHandle(key, 'port', port, 0xffffffff);
    return { key, handle, disposition: checkDisposition(key, disposition, MACH_DISPOSITIONS) };
  }
  const handle = checkHandle(key, 'fd', fd, 0x7fffffff);
  return { key, handle, disposition: checkDisposition(key, disposition, FD_DISPOSITIONS) };
}

/** Rights as the addon takes them: objects, or plain handle rights packed. */
export type NativeRights = NativeRightSpec[] | Float64Array;

/** Each disposition's index in a packed registration, as the addon numbers them. */
const PACKED_DISPOSITION: ReadonlyMap<string, number> = new Map(
  native().packedDispositions.map((name, index) => [name, index]),
);
const PACKED_FIELDS = 3;

/**
 * Plain handle rights (each with a disposition) packed into one
 * Float64Array of [key, handle, disposition index] records, so the addon
 * reads a registration at once rather than several properties per right;
 * null when a right needs its object (a region or a channel end).
 */
function packed(checked: readonly CheckedRight[]): Float64Array | null {
  const records = new Float64Array(checked.length * PACKED_FIELDS);
  let offset = 0;
  for (const right of checked) {
    const disposition = 'handle' in right ? PACKED_DISPOSITION.get(right.disposition ?? '') : undefined;
    if (disposition === undefined) return null;
    records[offset] = right.key;
    records[offset + 1] = (right as { handle: number }).handle;
    records[offset + 2] = disposition;
    offset += PACKED_FIELDS;
  }
  return records;
}

/**
 * Validates the caller's rights, puts them in the addon's shape and calls
 * `register` with them, how many there are, and the channel ends among
 * them. The addon takes a channel end out of its object only if the
 * registration is accepted, so a failed one leaves every right with the
 * caller.
 */
export function registerPorts<T>(
  ports: unknown,
  register: (specs: NativeRights, count: number, channels: readonly Channel[]) => T,
): T {
  const checked = normalisePorts(ports);
  const records = packed(checked);
  if (records) return register(records, checked.length, []);
  const channels = checked.flatMap((right) => ('end' in right ? [right.end] : []));
  if (new Set(channels).size !== channels.length) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_RIGHT',
      'A channel end is registered under two keys',
    );
  }
  try {
    const specs = checked.map((right): NativeRightSpec =>
      'end' in right ? { key: right.key, channel: right.end[channelTransfer.lend]() } : right,
    );
    return register(specs, specs.length, channels);
  } finally {
    for (const channel of channels) channel[channelTransfer.settle]();
  }
}

/** Validates the caller's rights. */
function normalisePorts(ports: unknown): CheckedRight[] {
  if (ports === undefined) return [];
  // An array would pass as an object keyed '0', '1', ...: refused, so a list
  // of rights is not silently numbered.
  if (typeof ports !== 'object' || ports === null || Array.isArray(ports)) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_ARGUMENT',
      'ports must be an object or a Map of key to right',
    );
  }
  const fromObject = !(ports instanceof Map);
  const entries: Array<[unknown, unknown]> = fromObject
    ? Object.entries(ports)
    : [...(ports as Map<unknown, unknown>).entries()];
  checkRightCount(entries.length);
  const seen = new Set<number>();
  return entries.map(([rawKey, right]) => {
    const key = checkKey(rawKey, fromObject);
    if (seen.has(key)) {
      throw rendezvousError(TypeError, 'ERR_RENDEZVOUS_INVALID_KEY', `Key ${key} is used twice`);
    }
    seen.add(key);
    return checkRight(key, right);
  });
}

export function checkPid(pid: unknown): number {
  if (typeof pid !== 'number') {
    throw rendezvousError(TypeError, 'ERR_RENDEZVOUS_INVALID_PID', 'pid must be a number');
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid > 0x7fffffff) {
    throw rendezvousError(
      RangeError,
      'ERR_RENDEZVOUS_INVALID_PID',
      `pid must be a positive integer, not ${pid}`,
    );
  }
  return pid;
}
