import { rendezvousError } from './errors';
import { checkMadeHere, MADE_HERE } from './made-here';
import { native, RightKind } from './native';

// MACH_PORT_DEAD: the name a send or send-once right arrives under when its
// port died on the way.
const DEAD_PORT_NAME = 0xffffffff;

let wrapSend: (name: number, kind: RightKind) => MachSendRight;
let wrapReceive: (name: number) => MachReceiveRight;

// A right nobody closed is released when its wrapper is collected.
const unreleased = new FinalizationRegistry<{ name: number; kind: RightKind }>(({ name, kind }) => {
  native().releaseRight(name, kind);
});

/**
 * A Mach port right this process owns (macOS). Hand `name` to native code
 * that uses it; `close()` releases the right, `release()` gives up ownership
 * (to native code that will release it itself).
 */
class OwnedMachRight {
  #name: number | null;
  readonly #kind: RightKind;

  protected constructor(token: symbol, name: number, kind: RightKind) {
    checkMadeHere(token, 'Mach right wrapper', 'take*() or a channel message');
    this.#name = name;
    this.#kind = kind;
    unreleased.register(this, { name, kind }, this);
  }

  /** The port name in this task. */
  get name(): number {
    if (this.#name === null) {
      throw rendezvousError(Error, 'ERR_RENDEZVOUS_CLOSED', 'This right was already closed or released');
    }
    return this.#name;
  }

  /** True for a send-once right (a send right can be used many times). */
  get sendOnce(): boolean {
    return this.#kind === RightKind.SendOnceRight;
  }

  /** Releases the right. Idempotent. */
  close(): void {
    if (this.#name === null) return;
    unreleased.unregister(this);
    native().releaseRight(this.#name, this.#kind);
    this.#name = null;
  }

  /** Gives the right up without releasing it; returns its name. */
  release(): number {
    const name = this.name;
    unreleased.unregister(this);
    this.#name = null;
    return name;
  }
}

/** A send or send-once right. */
export class MachSendRight extends OwnedMachRight {
  static {
    wrapSend = (name, kind) => new MachSendRight(MADE_HERE, name, kind);
  }

  private constructor(token: symbol, name: number, kind: RightKind) {
    super(token, name, kind);
  }

  /**
   * True when the right's port died before the right arrived: `name` is then
   * MACH_PORT_DEAD (0xffffffff), which holds nothing, and a message sent to it
   * fails. `close()` is still safe.
   */
  get dead(): boolean {
    return this.name === DEAD_PORT_NAME;
  }
}

/** A receive right. */
export class MachReceiveRight extends OwnedMachRight {
  static {
    wrapReceive = (name) => new MachReceiveRight(MADE_HERE, name, RightKind.ReceiveRight);
  }

  private constructor(token: symbol, name: number, kind: RightKind) {
    super(token, name, kind);
  }
}

/** Wraps a send or send-once right this process received; the wrapper owns it. */
// `kind` is RightKind.SendRight or RightKind.SendOnceRight.
export function machSendRight(name: number, kind: RightKind): MachSendRight {
  return wrapSend(name, kind);
}

/** Wraps a receive right this process received; the wrapper owns it. */
export function machReceiveRight(name: number): MachReceiveRight {
  return wrapReceive(name);
}
