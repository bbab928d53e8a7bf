import type * as dgram from 'node:dgram';
import type * as net from 'node:net';

import { rendezvousError } from './errors';
import { checkMadeHere, MADE_HERE } from './made-here';
import { native, RightKind } from './native';
import {
  adoptDgramSocket,
  adoptServer,
  adoptSocket,
  type DgramAdoptionOptions,
  type SocketAdoptionOptions,
} from './node-adoption';

let wrapFd: (fd: number) => ReceivedFd;

/** Wraps a descriptor that arrived in a message; the wrapper owns it. */
export function receivedFd(fd: number): ReceivedFd {
  return wrapFd(fd);
}

/**
 * A file descriptor that arrived in a channel message. Take it with
 * `takeFd()`, or as a Node object with `takeServer()`, `takeSocket()` or
 * `takeDgramSocket()`, while the 'message' event runs; one nobody took is
 * closed when the event's listeners return, so an unwanted descriptor never
 * leaks.
 */
export class ReceivedFd {
  #fd: number | null;

  static {
    wrapFd = (fd) => new ReceivedFd(MADE_HERE, fd);
  }

  private constructor(token: symbol, fd: number) {
    checkMadeHere(token, 'ReceivedFd', 'a channel message');
    this.#fd = fd;
  }

  /** Takes the descriptor: the caller owns it and must close it. */
  takeFd(): number {
    const fd = this.#available();
    this.#fd = null;
    return fd;
  }

  /** Takes a listening socket as `server` (a new net.Server by default),
   * listening on it. */
  takeServer<S extends net.Server = net.Server>(server?: S): S {
    return adoptServer(this.#available(), server, () => (this.#fd = null));
  }

  /** Takes a connected socket, or a pipe, as a net.Socket. */
  takeSocket(options?: SocketAdoptionOptions): net.Socket {
    return adoptSocket(this.#available(), options, () => (this.#fd = null));
  }

  /** Takes a bound UDP socket of family `type` as a dgram.Socket. */
  takeDgramSocket(type: DgramAdoptionOptions): dgram.Socket {
    return adoptDgramSocket(this.#available(), type, () => (this.#fd = null));
  }

  /** True until the descriptor is taken or closed. */
  get available(): boolean {
    return this.#fd !== null;
  }

  /** Closes the descriptor unless it was taken. Idempotent. */
  close(): void {
    if (this.#fd === null) return;
    native().releaseRight(this.#fd, RightKind.Fd);
    this.#fd = null;
  }

  #available(): number {
    if (this.#fd === null) {
      throw rendezvousError(Error, 'ERR_RENDEZVOUS_CLOSED', 'This descriptor was already taken or closed');
    }
    return this.#fd;
  }
}
