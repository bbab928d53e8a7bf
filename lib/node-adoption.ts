import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';

import { rendezvousError } from './errors';

/** What `takeSocket()` passes on to `new net.Socket()`; the descriptor is the
 * one received. */
export type SocketAdoptionOptions = Omit<net.SocketConstructorOpts, 'fd'>;

/** What `takeDgramSocket()` needs: the socket's family, as for
 * `dgram.createSocket()`. */
export type DgramAdoptionOptions = 'udp4' | 'udp6' | dgram.SocketOptions;

function wrongKind(fd: number, what: string, cause?: unknown): Error {
  const error = rendezvousError(
    TypeError,
    'ERR_RENDEZVOUS_WRONG_KIND',
    `Descriptor ${fd} is not ${what}${cause instanceof Error ? ` (${cause.message})` : ''}`,
  );
  if (cause !== undefined) error.cause = cause;
  return error;
}

function isSocket(fd: number): boolean {
  return fs.fstatSync(fd).isSocket();
}

/*
 * Each adopt* calls `owned()` the moment a Node object owns `fd`, before it
 * returns or throws: the caller gives the right up then, and keeps it when
 * a refusal came first.
 */

/**
 * `server` (a new net.Server by default; an http.Server works too) listening
 * on `fd`, a listening socket. 'listening' follows on the next tick; were the
 * socket not listenable after all, `server` emits 'error'.
 */
export function adoptServer<S extends net.Server>(fd: number, server: S | undefined, owned: () => void): S {
  if (server !== undefined && !(server instanceof net.Server)) {
    throw rendezvousError(TypeError, 'ERR_RENDEZVOUS_INVALID_ARGUMENT', 'server must be a net.Server');
  }
  if (server?.listening) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_ARGUMENT',
      'server is already listening; pass one that is not',
    );
  }
  // Node reports a descriptor it cannot listen on only later, as an 'error'
  // event; what is no socket at all is refused now, while the right is kept.
  if (!isSocket(fd)) throw wrongKind(fd, 'a socket');
  const adopted = server ?? (net.createServer() as S);
  adopted.listen({ fd });
  owned();
  return adopted;
}

/** A net.Socket on `fd`, a connected socket or a pipe, readable and
 * writable unless `options` say otherwise. */
export function adoptSocket(
  fd: number,
  options: SocketAdoptionOptions | undefined,
  owned: () => void,
): net.Socket {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw rendezvousError(TypeError, 'ERR_RENDEZVOUS_INVALID_ARGUMENT', 'options must be an object');
  }
  let socket: net.Socket;
  try {
    socket = new net.Socket({ readable: true, writable: true, ...options, fd });
  } catch (error) {
    throw wrongKind(fd, 'a stream socket or a pipe', error);
  }
  owned();
  return socket;
}

/**
 * A dgram.Socket on `fd`, a UDP socket, through `bind({ fd })`. Node cannot
 * tell the family of a descriptor before it adopts it, so the caller names
 * it; a socket of the other family is refused, and closed with the object
 * that adopted it.
 */
export function adoptDgramSocket(fd: number, options: DgramAdoptionOptions, owned: () => void): dgram.Socket {
  const type = typeof options === 'string' ? options : options?.type;
  if (type !== 'udp4' && type !== 'udp6') {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_ARGUMENT',
      "The socket type must be 'udp4' or 'udp6', or options with that type",
    );
  }
  const socket = dgram.createSocket(options as dgram.SocketOptions);
  try {
    socket.bind({ fd });
  } catch (error) {
    socket.close();
    throw wrongKind(fd, `a ${type} socket`, error);
  }
  owned();
  const family = socket.address().family;
  if (family !== (type === 'udp4' ? 'IPv4' : 'IPv6')) {
    socket.close();
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_WRONG_KIND',
      `Descriptor ${fd} is an ${family} socket, not ${type}; it was closed`,
    );
  }
  return socket;
}
