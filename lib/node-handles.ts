import * as dgram from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import * as net from 'node:net';

import { rendezvousError } from './errors';

/**
 * Node's own objects that can be handed over as they are: a listening
 * `net.Server` (an `http.Server` is one), a connected `net.Socket` or one on
 * a pipe, a bound `dgram.Socket`, an open `FileHandle`. Each is shared: a
 * duplicate of its descriptor travels and the object stays open here.
 */
export type NodeHandleObject = net.Server | net.Socket | dgram.Socket | FileHandle;

// Node keeps a socket's descriptor in an internal handle and exposes it
// nowhere public; this file is the only place that reaches for it.
interface InternalHandle {
  fd?: unknown;
}

function isFileHandle(value: object): value is FileHandle {
  // node:fs/promises does not export the FileHandle class to test against.
  return value.constructor?.name === 'FileHandle' && typeof (value as { fd?: unknown }).fd === 'number';
}

export function isNodeHandleObject(value: unknown): value is NodeHandleObject {
  if (typeof value !== 'object' || value === null) return false;
  return (
    value instanceof net.Server ||
    value instanceof net.Socket ||
    value instanceof dgram.Socket ||
    isFileHandle(value)
  );
}

function fdOf(handle: InternalHandle | null | undefined): number | null {
  const fd = handle?.fd;
  // -1 where the platform has no descriptors (Windows) or none is open yet.
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : null;
}

/** dgram keeps its handle in a state object under a symbol of its own
 * (its `_handle` getter is deprecated and warns); undefined if that moved. */
function dgramState(socket: dgram.Socket): { handle?: InternalHandle | null } | undefined {
  const state = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'state symbol');
  return (
    state && (socket as unknown as Record<symbol, { handle?: InternalHandle | null } | undefined>)[state]
  );
}

function serverFd(server: net.Server): number | null | string {
  if (!server.listening) return 'the net.Server is not listening';
  return fdOf((server as unknown as { _handle?: InternalHandle })._handle);
}

function socketFd(socket: net.Socket): number | null | string {
  if ((socket as { encrypted?: boolean }).encrypted === true) {
    return 'a TLS socket cannot be handed over: its session state stays in this process';
  }
  if (socket.destroyed) return 'the net.Socket is destroyed';
  if (socket.connecting) return "the net.Socket is still connecting; wait for 'connect'";
  const handle = (socket as unknown as { _handle?: InternalHandle })._handle;
  if (!handle) return 'the net.Socket is not connected';
  return fdOf(handle);
}

function dgramFd(socket: dgram.Socket): number | null | string {
  const state = dgramState(socket);
  if (state === undefined || !('handle' in state)) return null;
  if (!state.handle) return 'the dgram.Socket is closed';
  return fdOf(state.handle) ?? "the dgram.Socket is not bound yet; wait for 'listening'";
}

/** Why `object` has nothing to hand over. On Windows Node keeps a socket's
 * SOCKET to itself (its handle's `fd` is -1) and adopts none by descriptor
 * (`listen({ fd })` and `new net.Socket({ fd })` refuse), so only a native
 * caller's SOCKET, as a `{ handle }` right, can travel. */
function noDescriptor(object: NodeHandleObject): string {
  const name = object.constructor.name;
  const why = `this Node (${process.version} on ${process.platform}) exposes no descriptor for a ${name}`;
  if (process.platform !== 'win32' || isFileHandle(object)) return why;
  return `${why}: on Windows Node keeps its SOCKET to itself and adopts none; hand a SOCKET from native code as { handle } instead`;
}

/**
 * The descriptor `object` owns, still owned by it (the caller hands a copy
 * on). Throws ERR_RENDEZVOUS_INVALID_RIGHT, naming `subject`, when the
 * object has none to give: not listening, not connected, closed, or on a
 * platform or Node version that keeps no descriptor where this looks.
 */
export function descriptorOf(object: NodeHandleObject, subject: string): number {
  const found =
    object instanceof net.Server
      ? serverFd(object)
      : object instanceof net.Socket
        ? socketFd(object)
        : object instanceof dgram.Socket
          ? dgramFd(object)
          : (fdOf(object) ?? 'the FileHandle is closed');
  if (typeof found === 'number') return found;
  throw rendezvousError(
    TypeError,
    'ERR_RENDEZVOUS_INVALID_RIGHT',
    `${subject}: ${found ?? noDescriptor(object)}`,
  );
}
