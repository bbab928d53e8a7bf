/**
 * The entry of a utility process launched by fork(): takes the endpoint out
 * of the environment (as the preload does for Node children; the rendezvous
 * waits for the first use of the API), then runs the caller's module as
 * the process's main module. Node's own `runMain` is what `node <file>`
 * runs: a CommonJS module is loaded as main (`require.main === module`), an
 * ES module by the ES module loader as the entry point (`import.meta.main`
 * where Node has it). `process.argv[1]` is the path as the caller gave it,
 * which is resolved against the child's working directory, as in Electron.
 */
import { runMain } from 'node:module';
import * as path from 'node:path';

import { ENTRY_VARIABLE } from '../lib/environment';
import { takeEndpointFromEnvironment } from './endpoint';

takeEndpointFromEnvironment();

const entry = process.env[ENTRY_VARIABLE];
delete process.env[ENTRY_VARIABLE];
if (entry === undefined) {
  throw new Error(
    `${ENTRY_VARIABLE} is not set: this entry is launched by electron-port-rendezvous's fork()`,
  );
}
process.argv[1] = entry;
// As given for argv[1], but runMain loads a bare name as a package, not a
// file: it gets the path itself.
runMain(path.resolve(entry));
