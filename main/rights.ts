import { Channel, channelTransfer } from '../lib/channel';
import { rendezvousError } from '../lib/errors';
import { checkKey } from '../lib/keys';
import { checkRightCount, MAX_RIGHTS_PER_PROCESS } from '../lib/limits';
import { RIGHT_SHAPES, TRANSFERABLE_OBJECTS } from '../lib/messages';
import { constants, native, RightKind, type NativeRightSpec } from '../lib/native';
import { descriptorOf, isNodeHandleObject, type NodeHandleObject } from '../lib/node-handles';
import { SharedMemory, sharedMemoryNative } from '../lib/shared-memory';

/** What the server does with a file descriptor it is given. */
export type FdDisposition =
  /** The server takes the descriptor: from this call on, its number is no
   * longer the caller's to use or close. */
  | 'move'
  /** The server keeps a duplicate; the caller keeps its own descriptor. */
  | 'copy';

/** A file descriptor to hand to a child (on Windows, a descriptor of the
 * host's C runtime, as Node's `fs` hands out). */
export interface FdRight {
  fd: number;
  disposition: FdDisposition;
  handle?: never;
  port?: never;
}

/** A Windows kernel object handle to hand to a child (Windows only), by its
 * value in this process, for native callers: an event, a section, a file
 * handle that is no descriptor. The child takes it with `takeHandle()`. */
export interface HandleRight {
  handle: number;
  disposition: FdDisposition;
  fd?: never;
  port?: never;
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
  fd?: never;
  handle?: never;
}

/** Anything that can be handed to a child by rendezvous. A SharedMemory or
 * one of Node's objects is shared (the parent keeps its mapping or its
 * object, open); a Channel end is handed over (the parent's object is
 * closed once it is registered). */
export type Transferable = FdRight | HandleRight | MachPortRight | SharedMemory | Channel | NodeHandleObject;

/** Rights keyed by uint32 keys the child uses to take them. Not an array:
 * its indexes would number the rights silently (`length` keeps one out). */
export type PortsForRendezvous =
  (Readonly<Record<number, Transferable>> & { readonly length?: never }) | ReadonlyMap<number, Transferable>;

export { MAX_RIGHTS_PER_PROCESS };
/** Each disposition's index in a packed registration, as the addon numbers them. */
const PACKED_NAMES: readonly string[] = native().packedDispositions;
const PACKED_DISPOSITION: ReadonlyMap<string, number> = new Map(
  PACKED_NAMES.map((name, index) => [name, index]),
);
const PACKED_FIELDS = 3;

/** The dispositions a plain right may name, each with its packed index. */
function packedIndexes(names: readonly string[]): ReadonlyMap<string, number> {
  return new Map(
    names.map((name) => {
      const index = PACKED_DISPOSITION.get(name);
      if (index === undefined) throw new Error(`The addon packs no disposition '${name}'`);
      return [name, index];
    }),
  );
}
const FD_DISPOSITIONS = packedIndexes(['move', 'copy']);
const MACH_DISPOSITIONS = packedIndexes([
  'move-send',
  'copy-send',
  'make-send',
  'move-receive',
  'make-send-once',
  'move-send-once',
]);

function checkHandle(key: number, field: 'fd' | 'port' | 'handle', value: unknown, max: number): number {
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

/** The disposition's packed index. */
function checkDisposition(key: number, disposition: unknown, allowed: ReadonlyMap<string, number>): number {
  const index = typeof disposition === 'string' ? allowed.get(disposition) : undefined;
  if (index === undefined) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_DISPOSITION',
      `The right for key ${key} needs disposition ${[...allowed.keys()].map((d) => `'${d}'`).join(', ')}; not ${JSON.stringify(disposition)}`,
    );
  }
  return index;
}

/** A right in the addon's shape, but a channel end still as its Channel
 * (see `registerPorts`). */
type CheckedRight = NativeRightSpec | { key: number; end: Channel };

/** The shape a caller's plain `{ fd | port, disposition }` right has. */
type PlainRight = { fd?: unknown; port?: unknown; handle?: unknown; disposition?: unknown };

/**
 * A literal `{ ... }` (or a null-prototype object) whose constructor is
 * Object's or none: no region, channel end or Node object (their
 * prototypes are classes', and a FileHandle is known by its constructor's
 * name), so `checkRight` can read its fields at once.
 */
function isPlainRight(value: object): value is PlainRight {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const constructor: unknown = (value as { constructor?: unknown }).constructor;
  return constructor === Object || constructor === undefined;
}

/**
 * Checks one right. A plain handle right (an fd, a port or one of Node's
 * objects) is written as a packed record at `offset` and null returned;
 * any other comes back as its object.
 */
function checkRight(key: number, right: unknown, records: Float64Array, offset: number): CheckedRight | null {
  if (typeof right === 'object' && right !== null && isPlainRight(right)) {
    if (right.handle !== undefined) return checkHandleRight(key, right);
    packPlainRight(key, right, records, offset);
    return null;
  }
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
    const handle = descriptorOf(right, `The right for key ${key}`);
    const disposition = constants.defaultDispositions.sharedFd;
    const index = PACKED_DISPOSITION.get(disposition);
    if (index === undefined) return { key, handle, disposition };
    writeRecord(records, offset, key, handle, index);
    return null;
  }
  if (typeof right !== 'object' || right === null) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_RIGHT',
      `The right for key ${key} must be ${TRANSFERABLE_OBJECTS}, or an object like ${RIGHT_SHAPES}`,
    );
  }
  if ((right as PlainRight).handle !== undefined) return checkHandleRight(key, right as PlainRight);
  packPlainRight(key, right as PlainRight, records, offset);
  return null;
}

/** A raw `{ handle, disposition }` right (Windows): not packed, since a
 * packed record cannot say that its number is a handle, not a descriptor. */
function checkHandleRight(key: number, right: PlainRight): NativeRightSpec {
  if (process.platform !== 'win32') {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_RIGHT',
      `The right for key ${key} is a Windows handle; those exist only on Windows`,
    );
  }
  if (right.fd !== undefined || right.port !== undefined) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_RIGHT',
      `The right for key ${key} names a handle and ${right.fd !== undefined ? 'an fd' : 'a port'}; give one`,
    );
  }
  const handle = checkHandle(key, 'handle', right.handle, 0xffffffff);
  checkDisposition(key, right.disposition, FD_DISPOSITIONS);
  return { key, handle, disposition: right.disposition as string, payload: RightKind.Handle };
}

function packPlainRight(key: number, right: PlainRight, records: Float64Array, offset: number): void {
  const { fd, port, disposition } = right;
  if (port !== undefined) {
    if (!constants.machPorts) {
      throw rendezvousError(
        TypeError,
        'ERR_RENDEZVOUS_INVALID_RIGHT',
        `The right for key ${key} is a Mach port; those exist only on macOS`,
      );
    }
    const handle = checkHandle(key, 'port', port, 0xffffffff);
    writeRecord(records, offset, key, handle, checkDisposition(key, disposition, MACH_DISPOSITIONS));
    return;
  }
  const handle = checkHandle(key, 'fd', fd, 0x7fffffff);
  writeRecord(records, offset, key, handle, checkDisposition(key, disposition, FD_DISPOSITIONS));
}

function writeRecord(
  records: Float64Array,
  offset: number,
  key: number,
  handle: number,
  disposition: number,
): void {
  records[offset] = key;
  records[offset + 1] = handle;
  records[offset + 2] = disposition;
}

/** The packed record at `offset` as the addon's object form. */
function unpack(records: Float64Array, offset: number): NativeRightSpec {
  return {
    key: records[offset],
    handle: records[offset + 1],
    disposition: PACKED_NAMES[records[offset + 2]],
  };
}

/** Rights as the addon takes them: objects, or plain handle rights packed. */
export type NativeRights = NativeRightSpec[] | Float64Array;

/**
 * Records for the registration under way. The addon copies them out before
 * the call returns, so one buffer serves every registration; a
 * registration started meanwhile (by a getter of the caller's) finds it
 * taken and makes its own.
 */
let idleRecords: Float64Array | null = null;

function takeRecords(): Float64Array {
  const records = idleRecords ?? new Float64Array(MAX_RIGHTS_PER_PROCESS * PACKED_FIELDS);
  idleRecords = null;
  return records;
}

/**
 * Validates the caller's rights, puts them in the addon's shape and calls
 * `register` with them, how many there are, and the channel ends among
 * them. Plain handle rights (each with a disposition) reach the addon
 * packed into one Float64Array of [key, handle, disposition index]
 * records, so it reads a registration at once rather than several
 * properties per right; a registration with a region or a channel end goes
 * as objects. The addon takes a channel end out of its object only if the
 * registration is accepted, so a failed one leaves every right with the
 * caller.
 */
export function registerPorts<T>(
  ports: unknown,
  register: (specs: NativeRights, count: number, channels: readonly Channel[]) => T,
): T {
  const records = takeRecords();
  let checked: CheckedRight[] | number;
  try {
    checked = normalisePorts(ports, records);
    if (typeof checked === 'number') {
      return register(records.subarray(0, checked * PACKED_FIELDS), checked, []);
    }
  } finally {
    idleRecords = records;
  }
  const channels = checked.flatMap((right) => ('end' in right ? [right.end] : []));
  if (new Set(channels).size !== channels.length) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_RIGHT',
      'A channel end is registered under two keys',
    );
  }
  try {
    const specs = (checked as CheckedRight[]).map((right): NativeRightSpec =>
      'end' in right ? { key: right.key, channel: right.end[channelTransfer.lend]() } : right,
    );
    return register(specs, specs.length, channels);
  } finally {
    for (const channel of channels) channel[channelTransfer.settle]();
  }
}

/**
 * Validates the caller's rights in one pass. Returns how many there are
 * when every one was packed into `records`, else every right as its
 * object (a region or a channel end needs its object).
 */
function normalisePorts(ports: unknown, records: Float64Array): CheckedRight[] | number {
  if (ports === undefined) return 0;
  // An array would pass as an object keyed '0', '1', ...: refused, so a list
  // of rights is not silently numbered.
  if (typeof ports !== 'object' || ports === null || Array.isArray(ports)) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_ARGUMENT',
      'ports must be an object or a Map of key to right',
    );
  }
  if (ports instanceof Map) return normaliseEntries([...(ports as Map<unknown, unknown>).entries()], records);
  // An object's own keys are distinct strings and checkKey takes only
  // canonical number strings, so their keys are distinct numbers: no key
  // can be used twice (the addon checks again).
  const names = Object.keys(ports);
  const count = names.length;
  checkRightCount(count);
  let objects: CheckedRight[] | null = null;
  for (let i = 0; i < count; i++) {
    const name = names[i];
    const key = checkKey(name, true);
    objects = collect(
      objects,
      checkRight(key, (ports as Record<string, unknown>)[name], records, i * PACKED_FIELDS),
      records,
      i,
    );
  }
  return objects ?? count;
}

/** A Map's entries: its iterator could repeat a key. */
function normaliseEntries(
  entries: Array<[unknown, unknown]>,
  records: Float64Array,
): CheckedRight[] | number {
  const count = entries.length;
  checkRightCount(count);
  const seen = new Set<number>();
  let objects: CheckedRight[] | null = null;
  for (let i = 0; i < count; i++) {
    const [rawKey, value] = entries[i];
    const key = checkKey(rawKey);
    if (seen.has(key)) {
      throw rendezvousError(TypeError, 'ERR_RENDEZVOUS_INVALID_KEY', `Key ${key} is used twice`);
    }
    seen.add(key);
    objects = collect(objects, checkRight(key, value, records, i * PACKED_FIELDS), records, i);
  }
  return objects ?? count;
}

/** Right `index` joins the objects once one right needed its object: the
 * records before it are unpacked then. */
function collect(
  objects: CheckedRight[] | null,
  right: CheckedRight | null,
  records: Float64Array,
  index: number,
): CheckedRight[] | null {
  if (right === null) {
    objects?.push(unpack(records, index * PACKED_FIELDS));
    return objects;
  }
  const all = objects ?? Array.from({ length: index }, (_, i) => unpack(records, i * PACKED_FIELDS));
  all.push(right);
  return all;
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
