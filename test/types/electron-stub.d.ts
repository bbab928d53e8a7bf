// The shape of Electron's own type definitions (electron.d.ts) where fork()
// meets them: a global `Electron` namespace whose UtilityProcess is a class.
// Only what the type tests need; the package itself never depends on it.
declare namespace Electron {
  class UtilityProcess {
    readonly pid: number | undefined;
    kill(): boolean;
    postMessage(message: unknown): void;
  }
}
