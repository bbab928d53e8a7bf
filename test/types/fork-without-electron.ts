// Compiled by test/17.types.test.js with Node's types only: every line
// marked to expect an error must still be one, or the compile fails.
import type { ChildProcess } from 'node:child_process';

import { fork } from '../../dist/main';

export const withArgs: ChildProcess = fork('worker.js', ['--verbose'], { ports: {}, stdio: 'inherit' });
export const withoutArgs: ChildProcess = fork('worker.js', { ports: { 1: { fd: 3, disposition: 'move' } } });

// @ts-expect-error a misspelt option
fork('worker.js', [], { portz: {} });
// @ts-expect-error a misspelt option, without args
fork('worker.js', { portz: {} });
// @ts-expect-error an Electron-only option where Electron's types are absent
fork('worker.js', [], { serviceName: 'Worker' });
// @ts-expect-error a bad right
fork('worker.js', { ports: { 1: { fd: 3, disposition: 'borrow' } } });
