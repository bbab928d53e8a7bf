import * as path from 'node:path';

/** The preload a Node child runs (`--require`) before its own module. */
export const PRELOAD_PATH = path.join(__dirname, '..', 'preload', 'index.js');

/**
 * The entry a utility process runs instead of the caller's module: it
 * performs the rendezvous, then loads the caller's module. Electron's utility
 * process imports its entry script directly and does not run `--require`
 * preloads, so the preload cannot ride in `execArgv` there.
 */
export const UTILITY_ENTRY_PATH = path.join(__dirname, '..', 'preload', 'utility-entry.js');
