/**
 * The entry of a utility process launched by fork(): performs the rendezvous
 * (as the preload does for Node children), then runs the caller's module as
 * if it had been the entry itself.
 */
import { pathToFileURL } from 'node:url';

import { ENTRY_VARIABLE } from '../lib/environment';
import { RendezvousClient } from './client';

RendezvousClient.instance();

const entry = process.env[ENTRY_VARIABLE];
delete process.env[ENTRY_VARIABLE];
if (entry === undefined) {
  throw new Error(
    `${ENTRY_VARIABLE} is not set: this entry is launched by electron-port-rendezvous's fork()`,
  );
}
process.argv[1] = entry;

// A real import(), which TypeScript's CommonJS output would turn into
// require(): the caller's module may be an ES module.
const importModule = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;
importModule(pathToFileURL(entry).href).catch((error: unknown) => {
  // As an entry module's error would: uncaught, so the process exits with it.
  setImmediate(() => {
    throw error;
  });
});
