import { rendezvousError } from './errors';
import { native, RightKind } from './native';

/**
 * A file descriptor that arrived in a channel message. Take it with
 * `takeFd()` while the 'message' event runs; one nobody took is closed when
 * the event's listeners return, so an unwanted descriptor never leaks.
 */
export class ReceivedFd {
  #fd: number | null;

  /** @internal */
  constructor(fd: number) {
    this.#fd = fd;
  }

  /** Takes the descriptor: the caller owns it and must close it. */
  takeFd(): number {
    if (this.#fd === null) {
      throw rendezvousError(Error, 'ERR_RENDEZVOUS_CLOSED', 'This descriptor was already taken or closed');
    }
    const fd = this.#fd;
    this.#fd = null;
    return fd;
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
}
