/**
 * PostgreSQL bus over LISTEN/NOTIFY: a cluster needs nothing but the database it already has.
 *
 * - Channels: PostgreSQL identifiers are at most 63 bytes and fold case unless quoted, so a
 *   topic maps to `sb_<sha1 hex of the topic>` (43 bytes, lower case) and the notification
 *   carries the real topic: a receiver delivers only topics it subscribed to, exactly.
 * - Payloads: NOTIFY takes less than 8000 bytes. A larger envelope goes into the UNLOGGED table
 *   `switchboard_bus_payloads` and the notification carries its id; receivers fetch it. Rows
 *   older than `payloadTtlMs` are pruned on a timer (a receiver that is slower loses it:
 *   at most once). Each receiver delivers in notification order even while a fetch runs.
 * - Batching: every NOTIFY commits its own transaction, and each such commit takes
 *   PostgreSQL's cluster-wide notify lock and signals every listening backend; one round trip
 *   and one commit per publish made this bus the slowest under load (issue 10). The publishes
 *   of one event-loop turn, and those made while a statement is in flight, now leave together:
 *   one `pg_notify` per publish, all in ONE statement (`unnest` of two arrays, at most
 *   MAX_BATCH each), one commit. Each notification still carries one envelope under 8000
 *   bytes; a larger one goes through the table in a statement of its own.
 * - Dedup: PostgreSQL delivers identical (channel, payload) pairs of one transaction once, so
 *   each envelope carries a per-bus counter `n` that makes it unique.
 * - Order: every statement leaves on one pooled connection (`max: 1`), one after the other, and
 *   a batch keeps publish order (PostgreSQL delivers a transaction's notifications in the
 *   order they were sent); a large payload is inserted and notified in one statement, between
 *   the batches before and after it, so nothing overtakes it.
 * - No echo: the envelope carries the publisher's node id; a node drops its own.
 * - Reconnect: the LISTEN connection is the bus's liveness. When it fails the bus is not
 *   ready, retries with the shared backoff (src/backoff.ts), re-LISTENs every topic and then
 *   calls `onReconnect`. The publish pool replaces broken connections by itself.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { backoffDelay } from '../backoff.js';
import { noop, redactUrl } from '../backend-errors.js';
import { BusBase } from './bus-base.js';
import type { Bus } from './bus.js';

export interface PostgresBusOptions {
  /** Stable id of this node, unique in the cluster. */
  nodeId: string;
  /** Longest wait for a connection, at start and on each reconnect. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Upper bound of the reconnect backoff. Default 5000 ms. */
  maxReconnectDelayMs?: number;
  /** How long a large payload stays fetchable. Default 60000 ms. */
  payloadTtlMs?: number;
}

/**
 * Envelope on the wire: origin node, topic, either the payload or a table row id, and the
 * publisher's counter (only so that two equal publishes in one batch are not merged).
 */
interface Envelope {
  o: string;
  t: string;
  p?: string;
  r?: string;
  n?: number;
}

/** A publish waiting for its batch's statement. */
interface Outgoing {
  channel: string;
  body: string;
  /** Over MAX_NOTIFY_BYTES: goes through the payload table in a statement of its own. */
  large: boolean;
  topic: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** NOTIFY payloads must be shorter than 8000 bytes (PostgreSQL's default build). */
const MAX_NOTIFY_BYTES = 7_999;
const TABLE = 'switchboard_bus_payloads';
/**
 * `CREATE ... IF NOT EXISTS` is not atomic: nodes starting together can collide on the catalog
 * ("type already exists"). A transaction-scoped advisory lock serialises them; one simple query
 * with several statements runs as one implicit transaction, so the lock ends with it.
 */
const CREATE_TABLE = `SELECT pg_advisory_xact_lock(hashtext('${TABLE}'));
  CREATE UNLOGGED TABLE IF NOT EXISTS ${TABLE} (
  id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`;
/** Notifications per statement, at most. */
const MAX_BATCH = 500;
const NOTIFY_BATCH = `SELECT count(pg_notify(c, p)) FROM unnest($1::text[], $2::text[]) AS u(c, p)`;
const NOTIFY_LARGE = `WITH row AS (INSERT INTO ${TABLE} (body) VALUES ($2) RETURNING id)
  SELECT pg_notify($1, json_build_object('o', $3::text, 't', $4::text, 'r', id::text)::text) FROM row`;

/** `sb_` + SHA-1 hex: a valid, lower-case identifier for any topic, injective in practice. */
export function channelOf(topic: string): string {
  return `sb_${createHash('sha1').update(topic).digest('hex')}`;
}

export class PostgresBus extends BusBase implements Bus {
  readonly #url: string;
  readonly #connectTimeoutMs: number;
  readonly #maxDelayMs: number;
  readonly #ttlMs: number;
  #listener: pg.Client | null = null;
  #pool: pg.Pool | null = null;
  /** Delivery queue: each notification is delivered after the previous one. */
  #tail: Promise<void> = Promise.resolve();
  /** LISTEN/UNLISTEN queue of the live client: pg@8 deprecates overlapping client.query. */
  #chain: Promise<unknown> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | null = null;
  /** Publishes not yet sent, in publish order; `#draining` while a statement carries some. */
  #outgoing: Outgoing[] = [];
  #draining = false;
  #sent = 0;
  #pruneTimer: NodeJS.Timeout | null = null;

  constructor(url: string, options: PostgresBusOptions) {
    super(options.nodeId, {
      name: 'PostgreSQL',
      address: redactUrl(url),
      hint: 'is the server running and are the URL, user and database right?',
    });
    this.#url = url;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#maxDelayMs = options.maxReconnectDelayMs ?? 5_000;
    this.#ttlMs = options.payloadTtlMs ?? 60_000;
  }

  protected async connect(): Promise<void> {
    const pool = new pg.Pool({
      connectionString: this.#url,
      max: 1, // one connection keeps NOTIFYs in publish order
      connectionTimeoutMillis: this.#connectTimeoutMs,
    });
    pool.on('error', (err) => (this.lastError = err)); // an idle connection broke; it is replaced
    this.#pool = pool;
    try {
      await this.#connectListener();
    } catch (err) {
      throw this.unreachable(err);
    }
    this.#pruneTimer = setInterval(() => void this.#prune(), Math.max(1_000, this.#ttlMs / 2));
    this.#pruneTimer.unref();
  }

  protected async disconnect(): Promise<void> {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    const listener = this.#listener;
    this.#listener = null;
    await Promise.allSettled([listener?.end(), this.#pool?.end()]);
  }

  protected connected(): boolean {
    return this.#listener !== null;
  }

  protected async listen(topic: string): Promise<void> {
    const client = this.#listener;
    if (client) await this.#exec(client, `LISTEN "${channelOf(topic)}"`); // else #connectListener
  }

  protected async unlisten(topic: string): Promise<void> {
    // Without a live client there is nothing to undo: a session's LISTENs end with it.
    const client = this.#listener;
    if (client) await this.#exec(client, `UNLISTEN "${channelOf(topic)}"`);
  }

  protected send(topic: string, payload: string): Promise<void> {
    const env: Envelope = { o: this.nodeId, t: topic, p: payload, n: ++this.#sent };
    const body = JSON.stringify(env);
    const large = Buffer.byteLength(body) > MAX_NOTIFY_BYTES;
    return new Promise<void>((resolve, reject) => {
      this.#outgoing.push({ channel: channelOf(topic), body, large, topic, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  /** Sends the queued publishes, a batch per statement, until none are left. */
  async #drain(): Promise<void> {
    while (this.#outgoing.length > 0) {
      const first = this.#outgoing[0]!;
      let n = 1;
      if (!first.large)
        while (n < this.#outgoing.length && n < MAX_BATCH && !this.#outgoing[n]!.large) n++;
      const batch = this.#outgoing.splice(0, n);
      try {
        const pool = this.#pool;
        if (!pool) throw new Error('the bus is closed');
        if (first.large)
          await pool.query(NOTIFY_LARGE, [first.channel, first.body, this.nodeId, first.topic]);
        else
          await pool.query({
            name: 'sb_notify_batch',
            text: NOTIFY_BATCH,
            values: [batch.map((b) => b.channel), batch.map((b) => b.body)],
          });
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.#draining = false;
  }

  /** Connects, LISTENs every current topic, then makes the client the live listener. */
  async #connectListener(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      keepAlive: true, // notice a silently dead server (TCP keepalive) on an idle LISTEN session
    });
    const lost = (err?: unknown): void => this.#lost(client, err);
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => this.#onNotification(n.payload));
    try {
      await client.connect();
      await client.query(CREATE_TABLE);
      // Until the client is live, subscribe/unsubscribe only edit the topics: loop until the
      // session's LISTENs match them, then go live in the same turn as the last check.
      const done = new Set<string>();
      for (;;) {
        const fresh = [...this.topics].filter((t) => !done.has(t));
        const stale = [...done].filter((t) => !this.topics.has(t));
        if (fresh.length + stale.length === 0) break;
        fresh.forEach((t) => done.add(t));
        stale.forEach((t) => done.delete(t));
        const sql = [
          ...fresh.map((t) => `LISTEN "${channelOf(t)}";`),
          ...stale.map((t) => `UNLISTEN "${channelOf(t)}";`),
        ];
        await client.query(sql.join(' '));
      }
    } catch (err) {
      client.removeListener('end', lost);
      client.removeListener('error', lost);
      client.on('error', noop);
      await client.end().catch(noop);
      throw err;
    }
    if (this.closed) return void client.end().catch(noop);
    this.#chain = Promise.resolve();
    this.#listener = client;
  }

  #exec(client: pg.Client, sql: string): Promise<unknown> {
    const run = this.#chain.then(() => client.query(sql));
    this.#chain = run.catch(noop);
    return run;
  }

  #lost(client: pg.Client, err: unknown): void {
    if (err) this.lastError = err;
    if (this.#listener !== client) return; // an old client, or still connecting
    this.#listener = null;
    this.lost();
    client.end().catch(noop);
    if (!this.closed) this.#retry(0);
  }

  #retry(attempt: number): void {
    const delay = backoffDelay(attempt, { minMs: 100, maxMs: this.#maxDelayMs, jitter: 0.3 });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connectListener().then(
        () => this.restored(),
        (err: unknown) => {
          this.lastError = err;
          if (!this.closed) this.#retry(attempt + 1);
        },
      );
    }, delay);
  }

  #onNotification(raw: string | undefined): void {
    let env: Envelope;
    try {
      env = JSON.parse(raw ?? '') as Envelope;
    } catch {
      return; // not ours: someone else NOTIFYing on an sb_ channel
    }
    if (env.o === this.nodeId || !this.topics.has(env.t)) return;
    const payload = env.r === undefined ? env.p : this.#fetch(env.r);
    // Start the fetch now, but deliver strictly after everything notified before it.
    this.#tail = this.#tail.then(async () => {
      const p = await payload;
      if (typeof p === 'string') this.deliver(env.t, p);
    });
  }

  /** The payload of a large envelope, or undefined if it is gone (pruned, or lost connection). */
  async #fetch(id: string): Promise<string | undefined> {
    try {
      const res = await this.#pool!.query<{ body: string }>(
        `SELECT body FROM ${TABLE} WHERE id = $1`,
        [id],
      );
      const body = res.rows[0]?.body;
      return body === undefined ? undefined : (JSON.parse(body) as Envelope).p;
    } catch (err) {
      this.lastError = err;
      return undefined;
    }
  }

  async #prune(): Promise<void> {
    const sql = `DELETE FROM ${TABLE} WHERE created_at < now() - $1::int * interval '1 millisecond'`;
    await this.#pool?.query(sql, [this.#ttlMs]).catch(noop);
  }
}
