import { EventEmitter } from 'node:events';

import { debug } from './debug';
import { MAX_HANDLES_PER_MESSAGE } from './limits';
import { rendezvousError, type RendezvousError } from './errors';
import { machReceiveRight, machSendRight, type MachReceiveRight, type MachSendRight } from './mach_rights';
import {
  ChannelEvent,
  native,
  RightKind,
  type NativeChannel,
  type NativeOutgoingHandle,
  type NativeReceived,
  type NativeReceivedRaw,
  type NativeSharedMemory,
} from './native';
import type { NodeHandleObject } from './node-handles';
import { bodyBytes, bodyText } from './message-body';
import { describeHandle, invalidHandle, toBytes } from './outgoing-message';
import { ReceivedFd, receivedFd } from './received-fd';
import { SharedMemory, sharedMemoryNative } from './shared-memory';

/** What a message's data can be. Text arrives as a string, bytes as a
 * Uint8Array. */
export type ChannelData = string | ArrayBufferView | ArrayBuffer;

/** A file descriptor sent in a message: `copy` sends a duplicate and leaves
 * the caller's open; `move` hands it over once `postMessage` returns (the
 * caller must not use or close it then). If `postMessage` throws, the
 * descriptor is still the caller's. */
export interface ChannelFd {
  fd: number;
  disposition: 'copy' | 'move';
}

/** A Mach right sent in a message (macOS): the message takes it
 * (`move-*`), or a new send reference for it (`copy-send`). */
export interface ChannelMachRight {
  port: number;
  disposition: 'copy-send' | 'move-send' | 'move-receive' | 'move-send-once';
}

/** What can travel in a message besides its data. One of Node's objects
 * travels as a duplicate of its descriptor: the sender's object stays open
 * (close it after `postMessage` returns to hand it over). */
export type OutgoingHandle = SharedMemory | Channel | ChannelFd | ChannelMachRight | NodeHandleObject;

/** What arrives: owned objects of the matching kind. */
export type ReceivedHandle = SharedMemory | Channel | ReceivedFd | MachSendRight | MachReceiveRight;

export interface ChannelMessage {
  data: string | Uint8Array;
  /** What arrived, in order; closed when the 'message' event ends unless
   * taken with `take()` (a `ReceivedFd` also by `takeFd()`). */
  handles: ReceivedHandle[];
  /** Takes `handles[index]` during the event: the caller owns it then. */
  take(index: number): ReceivedHandle;
}

/** The events a Channel emits, and what their listeners are given. */
export interface ChannelEvents {
  message: [message: ChannelMessage];
  drain: [];
  /** The peer broke the protocol, or the system failed; 'close' follows. */
  error: [error: RendezvousError];
  close: [];
}

export type ChannelEventName = keyof ChannelEvents;
export type ChannelListener<E extends ChannelEventName> = (...args: ChannelEvents[E]) => void;

/* The EventEmitter methods, narrowed to the events a Channel emits, so a
 * misspelt event name or a listener of the wrong shape does not compile. */
export interface Channel {
  on<E extends ChannelEventName>(event: E, listener: ChannelListener<E>): this;
  once<E extends ChannelEventName>(event: E, listener: ChannelListener<E>): this;
  addListener<E extends ChannelEventName>(event: E, listener: ChannelListener<E>): this;
  prependListener<E extends ChannelEventName>(event: E, listener: ChannelListener<E>): this;
  prependOnceListener<E extends ChannelEventName>(event: E, listener: ChannelListener<E>): this;
  off<E extends ChannelEventName>(event: E, listener: ChannelListener<E>): this;
  removeListener<E extends ChannelEventName>(event: E, listener: ChannelListener<E>): this;
  removeAllListeners(event?: ChannelEventName): this;
  emit<E extends ChannelEventName>(event: E, ...args: ChannelEvents[E]): boolean;
  listeners<E extends ChannelEventName>(event: E): ChannelListener<E>[];
  rawListeners<E extends ChannelEventName>(event: E): ChannelListener<E>[];
  listenerCount(event: ChannelEventName): number;
}

const NATIVE = Symbol('native');
const LEND = Symbol('lend');
const SETTLE = Symbol('settle');
/** An outgoing handle in the addon's shape: a channel end as its native
 * object (the addon takes it only once the whole message passed its
 * checks), anything else as `describeHandle` puts it. */
function describe(
  handle: unknown,
  index: number,
  sender: Channel,
): NativeOutgoingHandle | NativeSharedMemory | Channel {
  if (handle instanceof Channel) {
    if (handle === sender) throw invalidHandle(index, 'a channel end cannot be sent over itself');
    if (handle.closed) throw invalidHandle(index, 'the channel end is closed');
    return handle;
  }
  return describeHandle(handle, index);
}

function wrapReceived(received: NativeReceived): ReceivedHandle {
  if ('postMessage' in received) return Channel[NATIVE](received as NativeChannel);
  if ('read' in received) return SharedMemory[sharedMemoryNative](received as NativeSharedMemory);
  const { kind, handle } = received as NativeReceivedRaw;
  if (kind === RightKind.ReceiveRight) return machReceiveRight(handle);
  if (kind === RightKind.SendRight || kind === RightKind.SendOnceRight) return machSendRight(handle, kind);
  return receivedFd(handle);
}

/**
 * One end of a private, ordered, message channel to another process. Make a
 * pair with `Channel.pair()`, keep one end and hand the other to a child
 * through `fork()`'s `ports` or in a message on another channel.
 *
 * Events: 'message' ({ data, handles }), 'drain', 'error' (the peer broke
 * the protocol, or the system failed; the channel then closes), 'close'
 * (this end closed, or the peer closed or died).
 *
 * Messages are delivered once a 'message' listener is added (or `start()`
 * is called); until then they wait in the kernel. An end that is reading
 * keeps the event loop alive until it closes or `unref()` is called.
 */
export class Channel extends EventEmitter {
  static #nextId = 1;
  /** Names this end in the debug log. */
  readonly #id = Channel.#nextId++;
  #native: NativeChannel | null = null;
  #started = false;
  #loopRef = true;
  #closeEmitted = false;
  /** The native end a rendezvous registration was given, which takes it if
   * it is accepted and may give it back later. */
  #lent: NativeChannel | null = null;

  private constructor(end: NativeChannel) {
    super();
    this.#attach(end);
    // EventEmitter's own event, outside the typed ones.
    super.on('newListener', (event: string | symbol) => {
      if (event === 'message') this.start();
    });
  }

  /** Two connected ends. */
  static pair(): [Channel, Channel] {
    const [first, second] = native().createChannelPair();
    const pair: [Channel, Channel] = [new Channel(first), new Channel(second)];
    debug('channel %d and channel %d: a new pair', pair[0].#id, pair[1].#id);
    return pair;
  }

  /** @internal Wraps an end the addon made (one that arrived). */
  static [NATIVE](end: NativeChannel): Channel {
    const channel = new Channel(end);
    debug('channel %d: an end arrived', channel.#id);
    return channel;
  }

  /** @internal The native end, for a rendezvous registration: the addon
   * takes it out only if the registration is accepted. */
  [LEND](): NativeChannel {
    this.#lent = this.#open();
    return this.#lent;
  }

  /** @internal After a rendezvous registration was made, refused or given
   * back: forgets the end if the addon holds it, or uses it again if the
   * addon gave it back (reading again if this end was). */
  [SETTLE](): void {
    const end = this.#lent;
    if (end === null) return;
    if (!end.isOpen) {
      this.#noteHandedOver();
      return;
    }
    this.#lent = null;
    if (this.#native === end) return;
    this.#attach(end);
    debug('channel %d: its launch was given back; the end is back', this.#id);
    if (!this.#loopRef) end.setLoopRef(false);
    if (this.#started) {
      this.#started = false;
      this.start();
    }
  }

  /** Forgets an end the addon took to send it. */
  #noteHandedOver(): void {
    if (this.#native === null || this.#native.isOpen) return;
    this.#native = null;
    debug('channel %d: handed over', this.#id);
  }

  /** True once this end is closed, its peer gone, or it was sent away. */
  get closed(): boolean {
    return this.#native === null || !this.#native.isOpen;
  }

  /** Data bytes accepted by postMessage() and not yet taken by the system,
   * and the bodies of large messages sent and not yet read by the peer. */
  get queuedBytes(): number {
    return this.#native?.queuedBytes ?? 0;
  }

  /**
   * Sends `data`, with `handles` (up to 64), to the other end. Messages
   * arrive whole and in order. Returns false when this end holds 8 MiB or
   * more that the peer has not read yet: wait for 'drain' before sending
   * more. Past 256 MiB queued it throws ERR_RENDEZVOUS_QUEUE_FULL.
   *
   * The data is copied before this returns. On Linux, data of 1 MiB or more
   * is copied once into a memfd sealed against resizing that travels with
   * the message (one of a few this end reuses once the peer has let go of
   * it) and arrives as a view in place whose buffer is a SharedArrayBuffer
   * (in Electron too); until the peer has read it, it counts in
   * `queuedBytes`. A SharedMemory or a copied fd is
   * duplicated for the message, so the caller keeps its own; a Channel end
   * or a moved fd or right is handed over with the message.
   */
  postMessage(data: ChannelData, handles: readonly OutgoingHandle[] = []): boolean {
    const end = this.#open();
    const { bytes, isText } = toBytes(data);
    if (!Array.isArray(handles)) {
      throw rendezvousError(TypeError, 'ERR_RENDEZVOUS_INVALID_ARGUMENT', 'handles must be an array');
    }
    if (handles.length > MAX_HANDLES_PER_MESSAGE) {
      throw rendezvousError(
        RangeError,
        'ERR_RENDEZVOUS_TOO_MANY_RIGHTS',
        `A message carries at most ${MAX_HANDLES_PER_MESSAGE} handles, not ${handles.length}`,
      );
    }
    if (handles.length === 0) return end.postMessage(bytes, isText, undefined);
    const described = handles.map((handle, index) => describe(handle, index, this));
    const channels = described.filter((d): d is Channel => d instanceof Channel);
    if (new Set(channels).size !== channels.length) {
      throw rendezvousError(TypeError, 'ERR_RENDEZVOUS_INVALID_RIGHT', 'A channel end is sent twice');
    }
    // The receiver refuses one region twice in a message (it would map it twice).
    const regions = handles.filter((h) => h instanceof SharedMemory);
    if (new Set(regions).size !== regions.length) {
      throw rendezvousError(
        TypeError,
        'ERR_RENDEZVOUS_INVALID_RIGHT',
        'A shared memory region is sent twice',
      );
    }
    try {
      return end.postMessage(
        bytes,
        isText,
        described.map((d) => (d instanceof Channel ? d.#open() : d)),
      );
    } finally {
      // The addon took every end, or none if the message was refused.
      for (const channel of channels) channel.#noteHandedOver();
    }
  }

  /** Begins delivering messages. Called when the first 'message' listener
   * is added. */
  start(): void {
    if (this.#started || this.#native === null) return;
    this.#started = true;
    this.#native.start();
  }

  /** Closes this end now: the peer sees 'close'. Messages still queued here
   * are dropped. Emits 'close'. Idempotent. */
  close(): void {
    if (this.#native === null) return;
    this.#native.close();
    this.#native = null;
    debug('channel %d: closed here', this.#id);
    process.nextTick(() => this.#emitClose());
  }

  /** Lets the process exit while this end is open. */
  unref(): this {
    this.#loopRef = false;
    this.#native?.setLoopRef(false);
    return this;
  }

  /** Keeps the process alive while this end reads (the default). */
  ref(): this {
    this.#loopRef = true;
    this.#native?.setLoopRef(true);
    return this;
  }

  #attach(end: NativeChannel): void {
    this.#native = end;
    end.onEvent = (event, data, isText, handles) => this.#onEvent(event, data, isText, handles);
  }

  #open(): NativeChannel {
    if (this.#native === null || !this.#native.isOpen) {
      throw rendezvousError(Error, 'ERR_RENDEZVOUS_CLOSED', 'The channel end is closed');
    }
    return this.#native;
  }

  #emitClose(): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    this.emit('close');
  }

  #onEvent(event: ChannelEvent, data?: unknown, isText?: boolean, handles?: NativeReceived[]): void {
    switch (event) {
      case ChannelEvent.Message:
        this.#deliver(data as ArrayBuffer | NativeSharedMemory, isText === true, handles ?? []);
        break;
      case ChannelEvent.Drain:
        this.emit('drain');
        break;
      case ChannelEvent.Error:
        this.#native = null;
        debug(
          'channel %d: %s (%s); it closes',
          this.#id,
          (data as Error).message,
          (data as RendezvousError).code,
        );
        this.emit('error', data as RendezvousError);
        break;
      case ChannelEvent.Close:
        this.#native = null;
        debug('channel %d: closed: the peer closed its end or is gone', this.#id);
        this.#emitClose();
        break;
    }
  }

  /** `body` is the data: an ArrayBuffer, or for a message sent out of line
   * the mapped body (lib/message-body.ts). */
  #deliver(body: ArrayBuffer | NativeSharedMemory, isText: boolean, raw: NativeReceived[]): void {
    // Handles are owned objects before anything else can throw.
    const handles = raw.map(wrapReceived);
    const taken = new Set<number>();
    let open = true;
    let delivered = false;
    const take = (index: number): ReceivedHandle => {
      if (!Number.isInteger(index) || index < 0 || index >= handles.length) {
        throw rendezvousError(
          RangeError,
          'ERR_RENDEZVOUS_INVALID_ARGUMENT',
          `index must be an integer from 0 to ${handles.length - 1}, not ${String(index)}`,
        );
      }
      if (!open || taken.has(index)) {
        throw rendezvousError(Error, 'ERR_RENDEZVOUS_CLOSED', `Handle ${index} was already taken or closed`);
      }
      taken.add(index);
      return handles[index];
    };
    try {
      const data = messageData(body, isText);
      delivered = this.emit('message', { data, handles, take } satisfies ChannelMessage);
    } finally {
      // What nobody took goes now, not when it is collected: a peer can send
      // far more handles than collection would ever free in time.
      open = false;
      if (!delivered && handles.length > 0) {
        debug(
          "channel %d: no 'message' listener; the message's %d handles are closed",
          this.#id,
          handles.length,
        );
      }
      handles.forEach((handle, index) => {
        if (taken.has(index)) return;
        if (delivered && handle instanceof ReceivedFd && handle.available) {
          debug(
            "channel %d: fd %d (handle %d of a message) was not taken during 'message'; it is closed",
            this.#id,
            (raw[index] as NativeReceivedRaw).handle,
            index,
          );
        } else if (delivered && !(handle instanceof ReceivedFd)) {
          debug(
            "channel %d: handle %d of a message was not taken during 'message'; it is closed",
            this.#id,
            index,
          );
        }
        handle.close();
      });
    }
  }
}

function messageData(body: ArrayBuffer | NativeSharedMemory, isText: boolean): string | Uint8Array {
  if (body instanceof ArrayBuffer) return isText ? Buffer.from(body).toString('utf8') : new Uint8Array(body);
  return isText ? bodyText(body) : bodyBytes(body);
}

/** @internal Wraps a channel end handle that arrived by rendezvous. */
export function adoptChannel(handle: number): Channel {
  return Channel[NATIVE](native().adoptChannel(handle));
}

/** @internal For the rendezvous (main/rights.ts, main/server.ts). */
export const channelTransfer = { lend: LEND, settle: SETTLE } as const;
