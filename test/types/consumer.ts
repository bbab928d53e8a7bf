// A TypeScript user's program: the bare name, /main and /preload, compiled
// under one module resolution mode and then run. It prints what it saw.
import * as bare from 'electron-port-rendezvous';
import {
  fork,
  PendingLaunch,
  RendezvousError,
  RendezvousServer,
  type PortsForRendezvous,
  type ServerStats,
} from 'electron-port-rendezvous/main';
import { RendezvousClient, SharedMemory } from 'electron-port-rendezvous/preload';

const server: RendezvousServer = bare.RendezvousServer.instance();
const ports: PortsForRendezvous = new Map();
const launch: PendingLaunch = server.prepareLaunch(ports);
const stats: ServerStats = server.stats();
launch.cancel();

/** The error that `construct` throws, by its code or its class. */
function refusal(construct: () => unknown): string {
  try {
    construct();
    return 'constructed';
  } catch (error) {
    return error instanceof RendezvousError ? error.code : (error as Error).name;
  }
}
// Neither class has a public constructor in the declarations.
// @ts-expect-error launches come from prepareLaunch()
const launchConstructor: abstract new (...args: never[]) => unknown = PendingLaunch;
// @ts-expect-error errors are thrown by the package, not constructed
const errorConstructor: abstract new (...args: never[]) => unknown = RendezvousError;
// @ts-expect-error and from JavaScript, a forged launch is refused
const forgedLaunch = refusal(() => new PendingLaunch(1, {}));
// @ts-expect-error RendezvousError recognises errors; it constructs none
const constructedError = refusal(() => new RendezvousError());

let code: string | null = null;
try {
  server.registerPortsForPid(-1, ports);
} catch (error) {
  if (error instanceof RendezvousError) code = error.code;
}
server.stop();

const region = SharedMemory.create(1);
const client: RendezvousClient | null = RendezvousClient.instance();
console.log(
  JSON.stringify({
    fork: typeof fork,
    constructors: [typeof launchConstructor, typeof errorConstructor],
    sameClass: bare.RendezvousServer === RendezvousServer,
    pendingLaunches: stats.pendingLaunches,
    code,
    forgedLaunch,
    constructedError,
    regionBytes: region.byteLength,
    client,
    clientError: RendezvousClient.lastError?.code ?? null,
  }),
);
region.close();
