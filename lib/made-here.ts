import { rendezvousError } from './errors';

/**
 * Wrappers for handles that only this package hands out (a launch, a
 * received descriptor, a Mach right) take this token first in their private
 * constructors: one constructed elsewhere could name a handle it does not
 * own and close it. The token never leaves the package's own modules.
 */
export const MADE_HERE = Symbol('electron-port-rendezvous.made-here');

export function checkMadeHere(token: unknown, what: string, maker: string): void {
  if (token !== MADE_HERE) {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_ARGUMENT',
      `A ${what} is made by ${maker}, not constructed`,
    );
  }
}
