/**
 * Messages on their way out. Each send gets a client id (cid) once; every retry (after a
 * reconnect, a timeout or a rate-limit error) re-sends it with the SAME cid, and the server
 * stores a (sender, cid) only once, so a send is delivered exactly once however often it is
 * retried.
 */
import { SwitchboardError } from '../errors.js';
import type { ChatMessage, SendResult } from '../protocol/frames.js';
import type { SendTarget } from './types.js';

export interface OutboxDeps {
  /** Sends a frame on the current connection; resolves with the reply data. */
  request(frame: Record<string, unknown>): Promise<unknown>;
  /** True while the connection is ready for requests. */
  canSend(): boolean;
  /** Called with the stored message before the send promise resolves. */
  onSent(message: ChatMessage): void;
}

interface Entry {
  cid: string;
  frame: Record<string, unknown>;
  inflight: boolean;
  retryTimer: ReturnType<typeof setTimeout> | null;
  resolve(message: ChatMessage): void;
  reject(err: unknown): void;
}

/** Delay before retrying a retryable error that gave no retryAfter. */
const DEFAULT_RETRY_MS = 1000;

export class Outbox {
  /** Insertion-ordered: retries go out in the order the sends were made. */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly deps: OutboxDeps) {}

  get size(): number {
    return this.entries.size;
  }

  add(target: SendTarget, text: string): Promise<ChatMessage> {
    const cid = newCid();
    const frame: Record<string, unknown> =
      'room' in target
        ? { type: 'send', room: target.room, text, cid }
        : { type: 'send', to: target.to, text, cid };
    return new Promise<ChatMessage>((resolve, reject) => {
      const entry: Entry = { cid, frame, inflight: false, retryTimer: null, resolve, reject };
      this.entries.set(cid, entry);
      if (this.deps.canSend()) this.transmit(entry);
    });
  }

  /** Sends every entry that is not already on the wire or waiting out a retry delay. */
  flush(): void {
    for (const entry of this.entries.values()) {
      if (!this.deps.canSend()) return;
      if (!entry.inflight && entry.retryTimer === null) this.transmit(entry);
    }
  }

  /** Rejects and forgets every entry (the client closed for good). */
  rejectAll(err: unknown): void {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const e of entries) {
      if (e.retryTimer) clearTimeout(e.retryTimer);
      e.reject(err);
    }
  }

  private transmit(entry: Entry): void {
    entry.inflight = true;
    this.deps.request(entry.frame).then(
      (data) => {
        entry.inflight = false;
        if (this.entries.get(entry.cid) !== entry) return;
        this.entries.delete(entry.cid);
        const { message } = data as SendResult;
        this.deps.onSent(message);
        entry.resolve(message);
      },
      (err: unknown) => {
        entry.inflight = false;
        if (this.entries.get(entry.cid) !== entry) return;
        this.failed(entry, err);
      },
    );
  }

  private failed(entry: Entry, err: unknown): void {
    const code = err instanceof SwitchboardError ? err.code : null;
    // Lost connection: stays queued and goes out again after the next hello.
    if (code === 'SB_ERR_CONNECTION_CLOSED') return;
    if (code === 'SB_ERR_TIMEOUT') {
      if (this.deps.canSend()) this.transmit(entry);
      return;
    }
    if (err instanceof SwitchboardError && err.retryable) {
      entry.retryTimer = setTimeout(() => {
        entry.retryTimer = null;
        if (this.entries.get(entry.cid) === entry && this.deps.canSend()) this.transmit(entry);
      }, err.retryAfter ?? DEFAULT_RETRY_MS);
      return;
    }
    this.entries.delete(entry.cid);
    entry.reject(err);
  }
}

/** A random UUID; crypto.randomUUID needs a secure context in browsers, getRandomValues does not. */
export function newCid(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch {
      /* insecure context */
    }
  }
  const bytes = c.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
