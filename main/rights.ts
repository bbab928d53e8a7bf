import { rendezvousError } from '../lib/errors';
import type { NativeRightSpec } from '../lib/native';

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

/** Anything that can be handed to a child by rendezvous. */
export type Transferable = FdRight;

/** Rights keyed by uint32 keys the child uses to take them. */
export type PortsForRendezvous = Readonly<Record<number, Transferable>> | ReadonlyMap<number, Transferable>;

export const MAX_RIGHTS_PER_PROCESS = 64;
const MAX_KEY = 0xffffffff;
const DISPOSITIONS: ReadonlySet<string> = new Set(['move', 'copy']);

function checkKey(key: unknown, fromObject: boolean): number {
  // Object keys arrive as strings; a canonical number string is that number.
  const number = fromObject && typeof key === 'string' && String(Number(key)) === key ? Number(key) : key;
  if (typeof number !== 'number') {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_KEY',
      `A key must be an integer from 0 to ${MAX_KEY}, not ${JSON.stringify(key)}`,
    );
  }
  if (!Number.isInteger(number) || number < 0 || number > MAX_KEY) {
    throw rendezvousError(
      RangeError,
      'ERR_RENDEZVOUS_INVALID_KEY',
      `A key must be an integer from 0 to ${MAX_KEY}, not ${String(key)}`,
    );
  }
  return number;
}

function checkRight(key: number, right: unknown): NativeRightSpec {
  if (typeof right !== 'object' || right === null) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_RIGHT',
      `The right for key ${key} must be an object like { fd, disposition }`,
    );
  }
  const { fd, disposition } = right as { fd?: unknown; disposition?: unknown };
  if (typeof fd !== 'number') {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_RIGHT',
      `The right for key ${key} needs a numeric fd`,
    );
  }
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
    throw rendezvousError(
      RangeError,
      'ERR_RENDEZVOUS_INVALID_RIGHT',
      `The right for key ${key} has an invalid fd: ${fd}`,
    );
  }
  if (typeof disposition !== 'string' || !DISPOSITIONS.has(disposition)) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_DISPOSITION',
      `The right for key ${key} needs disposition 'move' or 'copy', not ${JSON.stringify(disposition)}`,
    );
  }
  return { key, handle: fd, disposition };
}

/** Validates the caller's rights and puts them in the addon's shape. */
export function normalisePorts(ports: unknown): NativeRightSpec[] {
  if (ports === undefined) return [];
  if (typeof ports !== 'object' || ports === null) {
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
  if (entries.length > MAX_RIGHTS_PER_PROCESS) {
    throw rendezvousError(
      RangeError,
      'ERR_RENDEZVOUS_TOO_MANY_RIGHTS',
      `At most ${MAX_RIGHTS_PER_PROCESS} rights can be registered for one process, not ${entries.length}`,
    );
  }
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
