// Compiled by test/17.types.test.js with Electron's types present: every
// line marked to expect an error must still be one, or the compile fails.
/// <reference path="./electron-stub.d.ts" />
import type { ChildProcess } from 'node:child_process';

import { fork } from '../../dist/main';

export const named: Electron.UtilityProcess = fork<Electron.UtilityProcess>('worker.js', [], {
  serviceName: 'Worker',
  ports: {},
});
export const withoutArgs: Electron.UtilityProcess = fork<Electron.UtilityProcess>('worker.js', {
  stdio: 'pipe',
});
export const byElectronOption: Electron.UtilityProcess = fork('worker.js', [], { serviceName: 'Worker' });
export const node: ChildProcess = fork('worker.js', { silent: true });

// @ts-expect-error a misspelt option
fork<Electron.UtilityProcess>('worker.js', [], { portz: {} });
// @ts-expect-error a misspelt option, without args
fork<Electron.UtilityProcess>('worker.js', { portz: {} });
// @ts-expect-error Node's options are not Electron's
fork<Electron.UtilityProcess>('worker.js', [], { silent: true });
// @ts-expect-error without a name or an Electron-only option it is Node's ChildProcess
export const unnamed: Electron.UtilityProcess = fork('worker.js', []);
