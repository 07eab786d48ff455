/**
 * NATS core bus (@nats-io/transport-node v3): one connection per node, one subject per topic.
 *
 * - Subjects: topic `t` is `sb.<enc(t)>`, a single token. `enc` keeps [A-Za-z0-9_-] and writes
 *   every other UTF-8 byte (including '.', '*', '>', ':', '~' and whitespace) as `~XX` hex, so
 *   the mapping is injective and topic text never becomes a wildcard or a token separator. The
 *   empty topic is `sb.~`, which no other topic produces.
 * - No echo: the connection is opened with `noEcho: true`, so the server never delivers this
 *   connection's own publishes back to it; payloads travel unwrapped.
 * - NATS core is at most once; one connection's publishes on a subject arrive in order.
 * - `publish` hands the payload to the client's outbound buffer and resolves (the client writes
 *   it on the next tick); no per-publish round trip. While disconnected it rejects instead of
 *   letting the client buffer it for a later reconnect.
 * - `subscribe`/`unsubscribe` resolve after a PING/PONG (`flush`), i.e. once the server has
 *   applied them. While disconnected they only update the client's subscription table, which
 *   the client replays on reconnect.
 *
 * Connection options relied on (defaults of v3 noted where we keep them):
 * - `servers`: the comma-separated list, each entry tried in (randomized) order at start;
 *   `resolve` (default true) expands a DNS name to all its addresses, so one name such as
 *   `app.internal` that resolves to several servers works too.
 * - `waitOnFirstConnect: false` (default): at start every server is tried once, then `connect`
 *   rejects; `timeout: 5000` bounds each handshake.
 * - `maxReconnectAttempts: -1`: once connected, reconnect forever, every `reconnectTimeWait`
 *   (1 s per server) plus up to `reconnectJitter` (500 ms) so nodes do not reconnect in lockstep.
 *   The client paces its own rotation through the server list with this fixed wait (its
 *   `reconnectDelayHandler` gets no attempt number), so the shared backoff is not used here.
 * - The client resends every SUB on reconnect before emitting the 'reconnect' status; we add a
 *   flush so the server has applied them before `onReconnect` runs.
 */
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { BusBase } from './bus-base.js';
import type { Bus } from './bus.js';

const HANDSHAKE_TIMEOUT_MS = 5_000;
const RECONNECT_WAIT_MS = 1_000;
const RECONNECT_JITTER_MS = 500;

export interface NatsBusOptions {
  /** Unique in the cluster; used as the NATS client name (visible in server monitoring). */
  nodeId: string;
}

export class NatsBus extends BusBase implements Bus {
  readonly #servers: string[];
  #nc: NatsConnection | null = null;
  readonly #subs = new Map<string, Subscription>();
  /** False from a 'disconnect' status until the reconnect's flush has completed. */
  #up = false;

  constructor(servers: string, options: NatsBusOptions) {
    const list = servers
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (list.length === 0) throw new Error('NatsBus needs at least one server url');
    super(options.nodeId, {
      name: 'NATS',
      address: list.join(','),
      hint: 'is nats-server running and the bus url right?',
    });
    this.#servers = list;
  }

  protected async connect(): Promise<void> {
    try {
      this.#nc = await connect({
        servers: this.#servers,
        name: `switchboard-${this.nodeId}`,
        noEcho: true,
        timeout: HANDSHAKE_TIMEOUT_MS,
        waitOnFirstConnect: false,
        maxReconnectAttempts: -1,
        reconnectTimeWait: RECONNECT_WAIT_MS,
        reconnectJitter: RECONNECT_JITTER_MS,
      });
    } catch (err) {
      throw this.unreachable(err);
    }
    this.#up = true;
    void this.#watch(this.#nc);
  }

  protected async disconnect(): Promise<void> {
    this.#up = false;
    this.#subs.clear();
    // close() flushes what is buffered (publishes that already resolved) and ends the connection.
    await this.#nc?.close().catch(() => {});
  }

  protected connected(): boolean {
    return this.#up;
  }

  protected async listen(topic: string): Promise<void> {
    // The callback form avoids the async iterator; the closure remembers the topic, so the
    // subject is never decoded.
    const sub = this.#nc!.subscribe(subjectOf(topic), {
      callback: (err, msg) => {
        if (err === null) this.deliver(topic, msg.string());
      },
    });
    this.#subs.set(topic, sub);
    await this.#flush();
  }

  /**
   * The client drops messages for an unsubscribed sid at once; the flush only confirms the
   * server stopped routing it to us. While down it removes the SUB from the client's table.
   */
  protected async unlisten(topic: string): Promise<void> {
    const sub = this.#subs.get(topic);
    if (!sub) return;
    this.#subs.delete(topic);
    sub.unsubscribe();
    await this.#flush();
  }

  protected async send(topic: string, payload: string): Promise<void> {
    this.#nc!.publish(subjectOf(topic), payload);
  }

  /** Follows the client's status events for the life of the connection. */
  async #watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (this.closed) return;
      switch (s.type) {
        case 'disconnect':
        case 'staleConnection':
          this.#up = false;
          this.lost();
          break;
        case 'error':
          this.lastError = s.error;
          break;
        case 'reconnect':
          void this.#reconnected(nc);
          break;
        case 'close':
          this.#up = false;
          return;
      }
    }
  }

  /** The client has resent every SUB; a PING/PONG proves the server applied them. */
  async #reconnected(nc: NatsConnection): Promise<void> {
    try {
      await nc.flush();
    } catch {
      return; // disconnected again: the next 'reconnect' status retries
    }
    if (this.closed) return;
    this.#up = true;
    this.restored();
  }

  /** Waits for the server to apply pending SUB/UNSUB; skipped while down (replayed later). */
  async #flush(): Promise<void> {
    if (this.#up) await this.#nc!.flush();
  }
}

/** `~XX` for every byte value outside [A-Za-z0-9_-]; the byte itself for the others. */
const BYTE_CODES = Array.from({ length: 256 }, (_, b) =>
  /[A-Za-z0-9_-]/.test(String.fromCharCode(b)) && b < 128
    ? String.fromCharCode(b)
    : `~${b.toString(16).toUpperCase().padStart(2, '0')}`,
);
const SAFE_TOPIC = /^[A-Za-z0-9_-]+$/;
/** Topics recur (a channel's messages all share one), so subjects are computed once each. */
const subjectCache = new Map<string, string>();
const SUBJECT_CACHE_MAX = 10_000;

/** The NATS subject of a topic (exported for tests). */
export function subjectOf(topic: string): string {
  let subject = subjectCache.get(topic);
  if (subject !== undefined) return subject;
  if (topic === '') subject = 'sb.~';
  else if (SAFE_TOPIC.test(topic)) subject = `sb.${topic}`;
  else {
    subject = 'sb.';
    for (const byte of Buffer.from(topic, 'utf8')) subject += BYTE_CODES[byte];
  }
  if (subjectCache.size >= SUBJECT_CACHE_MAX) subjectCache.clear();
  subjectCache.set(topic, subject);
  return subject;
}
