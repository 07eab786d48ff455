/**
 * Redis Cluster bus with sharded pub/sub (Redis ≥ 7): SPUBLISH and SSUBSCRIBE, so each topic
 * lives on the shard that owns its channel's hash slot and the shards share the traffic, where
 * classic PUBLISH is broadcast to every node of the cluster.
 *
 * - Topic `t` is the shard channel `sb:t`; wire format `<nodeId>\n<payload>` and no echo, as in
 *   RedisBus (src/bus/redis.ts).
 * - Publishing goes through ioredis's Cluster client, which routes SPUBLISH by slot and follows
 *   MOVED redirects after a failover. Nothing is handed to it while the cluster or the topic's
 *   shard is down, so `publish` rejects promptly then.
 * - Subscribing is done here, not by ioredis: one subscriber connection per master that owns a
 *   wanted topic, SSUBSCRIBE sent to the owner of each topic's slot (ioredis's sharded subscriber
 *   group resubscribes without confirming it, and we call `onReconnect` only once every SSUBSCRIBE
 *   has replied).
 * - Losing a shard is an outage of the bus: when a subscriber connection closes (its master died),
 *   the server drops our shard subscriptions (`sunsubscribe` after a failover or slot move), or
 *   the slot map (refreshed by the Cluster client every 5 s and after redirects) moves a wanted
 *   slot to another master, the bus reports `lost`, re-reads the slot map and subscribes every
 *   topic again at its owner, retrying with the shared backoff until the cluster has elected a
 *   new master (cluster-node-timeout plus the election); then `onReconnect` lets the core repair
 *   from the store what the lost shard's subscribers missed. Messages published to a shard
 *   during its failover are lost, which the Bus contract allows.
 * - Liveness is what RedisBus has: TCP close and error events of each connection, and a command
 *   timeout on SPUBLISH/SSUBSCRIBE. So that every shard has a connection to watch, the bus holds
 *   a subscriber connection to every master, with topics or not. While a shard is down (until
 *   the repair), `publish` on its topics rejects at once; topics on other shards still flow.
 */
import { within } from '../deadline.js';
import { Cluster, Redis, ReplyError, type ClusterOptions, type RedisOptions } from 'ioredis';
import keySlot from 'cluster-key-slot';
import { backoffDelay } from '../backoff.js';
import { errorText, noop } from '../backend-errors.js';
import { BusBase } from './bus-base.js';
import type { Bus } from './bus.js';

const CHANNEL_PREFIX = 'sb:';
/** Bounds `start` and each TCP connect attempt. */
const CONNECT_TIMEOUT_MS = 5_000;
/** A command (SPUBLISH/SSUBSCRIBE) unanswered this long rejects, e.g. during a partition. */
const COMMAND_TIMEOUT_MS = 5_000;
/** Re-reading the slot map and resubscribing: 50 ms doubling per attempt, capped at 2 s. */
const retryDelay = (attempt: number): number =>
  backoffDelay(attempt, { minMs: 50, maxMs: 2_000, jitter: 0 });
/** Replies that mean "the slot map changed under us", not "the server refuses". */
const TOPOLOGY_REPLY = /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN)\b/;

export interface RedisClusterBusOptions {
  /** Unique in the cluster; must not contain '\n' (it delimits the envelope). */
  nodeId: string;
}

/** Parses `redis-cluster://[user:pass@]host:port,host:port` (`rediss-cluster://` for TLS). */
export function parseClusterUrl(url: string): {
  nodes: { host: string; port: number }[];
  redis: RedisOptions;
} {
  const cut = url.indexOf('://');
  const scheme = url.slice(0, cut);
  const entries = url
    .slice(cut + 3)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (cut < 0 || entries.length === 0) throw new Error(`no cluster nodes in "${url}"`);
  const redis: RedisOptions = scheme === 'rediss-cluster' ? { tls: {} } : {};
  const nodes = entries.map((entry) => {
    const u = new URL(`redis://${entry}`);
    if (u.username) redis.username = decodeURIComponent(u.username);
    if (u.password) redis.password = decodeURIComponent(u.password);
    return { host: u.hostname, port: Number(u.port || 6379) };
  });
  return { nodes, redis };
}

export class RedisClusterBus extends BusBase implements Bus {
  readonly #cluster: Cluster;
  /** Options of every subscriber connection (credentials, TLS, timeouts). */
  readonly #subOptions: RedisOptions;
  /** `<nodeId>\n`, computed once; every outgoing message starts with it. */
  readonly #prefix: string;
  /** Subscriber connections by node key `host:port`, each resolving once connected. */
  readonly #subs = new Map<string, { conn: Redis; up: Promise<Redis> }>();
  /** Applied topics and their slot. */
  readonly #applied = new Map<string, number>();
  /** For each slot in use, the node key where its channels are subscribed. */
  readonly #slotAt = new Map<number, string>();
  /** True while every wanted topic is subscribed at the master that owns its slot. */
  #whole = false;
  /** Bumped whenever the subscriptions are torn down, so late replies are ignored. */
  #generation = 0;
  #repairTimer: NodeJS.Timeout | null = null;
  #repairing = false;
  #repairAgain = false;
  #repairAttempt = 0;

  constructor(url: string, options: RedisClusterBusOptions) {
    if (options.nodeId.includes('\n')) {
      throw new Error('RedisClusterBus nodeId must not contain "\\n"');
    }
    const { nodes, redis } = parseClusterUrl(url);
    const addresses = nodes.map((n) => `${n.host}:${n.port}`).join(',');
    super(options.nodeId, {
      name: 'Redis Cluster',
      address: addresses,
      hint: 'are the cluster nodes running (cluster_state:ok) and the bus url right?',
    });
    this.#prefix = `${options.nodeId}\n`;
    const common: RedisOptions = {
      ...redis,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
    };
    this.#subOptions = {
      ...common,
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResubscribe: false,
      // A lost subscriber is replaced by the repair, at whichever master owns its slots then.
      retryStrategy: () => null,
      connectionName: `sb-ssub-${options.nodeId}`,
    };
    const clusterOptions: ClusterOptions = {
      lazyConnect: true,
      // Queue while a node connection opens (the pool opens them on first use); without it the
      // first SPUBLISHes to a node fail and are retried behind later ones, out of order. `send`
      // never hands a command to a cluster or shard that is known to be down.
      enableOfflineQueue: true,
      clusterRetryStrategy: (times: number) => retryDelay(times - 1),
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      redisOptions: { ...common, connectionName: `sb-pub-${options.nodeId}` },
    };
    this.#cluster = new Cluster(nodes, clusterOptions);
    // Without an 'error' listener ioredis logs every failed reconnect attempt.
    this.#cluster.on('error', (err: unknown) => (this.lastError = err));
    this.#cluster.on('node error', (err: unknown) => (this.lastError = err));
  }

  protected async connect(): Promise<void> {
    await this.connectWithin(
      this.#cluster.connect().then(() => this.#linkMasters()),
      CONNECT_TIMEOUT_MS,
    );
    this.#whole = true;
    // Every node unreachable: the subscriptions went with them.
    this.#cluster.on('close', () => this.#broken());
    this.#cluster.on('ready', () => this.restored());
    this.#cluster.on('refresh', () => this.#checkOwners());
  }

  protected async disconnect(): Promise<void> {
    if (this.#repairTimer) clearTimeout(this.#repairTimer);
    this.#repairTimer = null;
    this.#whole = false;
    this.#teardown();
    this.#cluster.disconnect();
  }

  protected connected(): boolean {
    return this.#cluster.status === 'ready' && this.#whole;
  }

  /** Always try: `send` rejects at once when the topic's shard (or the whole cluster) is down. */
  protected override canPublish(): boolean {
    return true;
  }

  protected async listen(topic: string): Promise<void> {
    // While broken the topic is only remembered; the repair applies it.
    if (!this.#whole) return;
    const generation = this.#generation;
    const slot = keySlot(CHANNEL_PREFIX + topic);
    try {
      const key = this.#ownerOf(slot);
      await (await this.#subscriber(key)).ssubscribe(CHANNEL_PREFIX + topic);
      if (generation !== this.#generation) return; // torn down meanwhile: the repair has it
      this.#applied.set(topic, slot);
      this.#slotAt.set(slot, key);
    } catch (err) {
      // A refusal (e.g. NOPERM) rejects the subscribe; anything else is a topology change.
      if (err instanceof ReplyError && !TOPOLOGY_REPLY.test(errorText(err))) throw err;
      this.#broken(err);
      throw err;
    }
  }

  protected async unlisten(topic: string): Promise<void> {
    const slot = this.#applied.get(topic);
    if (slot === undefined) return;
    this.#applied.delete(topic);
    const sub = this.#subs.get(this.#slotAt.get(slot) ?? '')?.conn;
    if (sub?.status === 'ready') await sub.sunsubscribe(CHANNEL_PREFIX + topic);
  }

  protected async send(topic: string, payload: string): Promise<void> {
    const channel = CHANNEL_PREFIX + topic;
    // The shard's master is gone: fail now rather than let the client chase redirects until a
    // replica is elected. Other shards keep publishing.
    const key = this.#cluster.slots[keySlot(channel)]?.[0];
    const down = this.#cluster.status !== 'ready' || key === undefined;
    if (down || this.#subs.get(key)?.conn.status !== 'ready') {
      const last = this.lastError;
      throw last instanceof Error ? last : new Error(`no connection to the master of ${channel}`);
    }
    const sent = this.#cluster.spublish(channel, this.#prefix + payload);
    if (this.#whole) return void (await sent);
    // Some shard is down and this one may be dying too, its close not seen yet: ioredis would
    // chase the command through reconnects for the whole command timeout. Bound it instead.
    await within(sent, 500, `no answer from the master of ${channel}`);
  }

  /** Hot path: one indexOf and one slice per message, as in RedisBus. */
  readonly #receive = (channel: string, message: string): void => {
    if (message.startsWith(this.#prefix)) return;
    const cut = message.indexOf('\n');
    if (cut < 0) return;
    this.deliver(channel.slice(CHANNEL_PREFIX.length), message.slice(cut + 1));
  };

  /** The master that owns `slot` in the Cluster client's slot map. */
  #ownerOf(slot: number): string {
    const key = this.#cluster.slots[slot]?.[0];
    if (key === undefined) throw new Error(`no master owns slot ${slot}`);
    return key;
  }

  /**
   * Opens a subscriber connection to every master in the slot map, with or without topics: its
   * TCP close is how the bus learns that a shard is gone, as RedisBus learns it of its server.
   */
  async #linkMasters(): Promise<void> {
    const masters = new Set<string>();
    for (const owners of this.#cluster.slots) if (owners?.[0] !== undefined) masters.add(owners[0]);
    if (masters.size === 0) throw new Error('the slot map names no master');
    await Promise.all([...masters].map((key) => this.#subscriber(key)));
  }

  /** The subscriber connection to node `key`, opened on first use. */
  #subscriber(key: string): Promise<Redis> {
    const known = this.#subs.get(key);
    if (known) return known.up;
    const cut = key.lastIndexOf(':');
    const conn = new Redis({
      ...this.#subOptions,
      host: key.slice(0, cut),
      port: Number(key.slice(cut + 1)),
    });
    conn.on('smessage', this.#receive);
    conn.on('error', (err: unknown) => {
      this.lastError = err;
      // The server dropped our shard subscriptions (failover, slot moved): ioredis has no
      // command waiting for that reply and reports it as a queue state error.
      if (errorText(err).includes('sunsubscribe')) this.#broken(err);
    });
    conn.on('close', () => {
      if (this.#subs.get(key)?.conn !== conn) return; // torn down on purpose
      this.#subs.delete(key);
      this.#broken();
    });
    const up = conn.connect().then(() => conn);
    up.catch(noop);
    this.#subs.set(key, { conn, up });
    return up;
  }

  /** On every slot map refresh: a wanted slot that moved to another master breaks the bus. */
  #checkOwners(): void {
    if (!this.#whole) return;
    for (const [slot, key] of this.#slotAt) {
      if (this.#cluster.slots[slot]?.[0] !== key) return this.#broken();
    }
  }

  /** Some shard subscriptions are gone: report the outage and schedule a repair. */
  #broken(err?: unknown): void {
    if (this.closed) return;
    this.lost(err);
    this.#whole = false;
    if (this.#repairing) this.#repairAgain = true;
    else this.#scheduleRepair();
  }

  #scheduleRepair(): void {
    if (this.#repairTimer !== null || this.closed) return;
    this.#repairTimer = setTimeout(() => {
      this.#repairTimer = null;
      void this.#repair();
    }, retryDelay(this.#repairAttempt++));
  }

  /** Drops every subscriber connection and what was applied on them. */
  #teardown(): void {
    this.#generation++;
    const subs = [...this.#subs.values()];
    this.#subs.clear();
    this.#applied.clear();
    this.#slotAt.clear();
    for (const { conn } of subs) conn.disconnect();
  }

  /**
   * Re-reads the slot map, then subscribes every wanted topic at its owner on fresh connections;
   * whole again only if nothing broke meanwhile, else tries again after the backoff.
   */
  async #repair(): Promise<void> {
    this.#repairing = true;
    this.#repairAgain = false;
    let ok = false;
    try {
      await new Promise<void>((resolve, reject) =>
        this.#cluster.refreshSlotsCache((err?: Error | null) => (err ? reject(err) : resolve())),
      );
      this.#teardown();
      const generation = this.#generation;
      await this.#linkMasters();
      // Topics subscribed while this runs are only remembered: loop until none is missing.
      for (;;) {
        const missing = [...this.topics].filter((t) => !this.#applied.has(t));
        if (missing.length === 0 || this.closed || generation !== this.#generation) break;
        await this.#applyAll(missing, generation);
      }
      ok = generation === this.#generation && !this.#repairAgain && !this.closed;
    } catch (err) {
      this.lastError = err;
    } finally {
      this.#repairing = false;
    }
    if (this.closed) return;
    if (!ok) return this.#scheduleRepair();
    // Topics unsubscribed while this ran were subscribed anyway: take them back.
    for (const topic of [...this.#applied.keys()]) {
      if (!this.topics.has(topic)) void this.unlisten(topic).catch(noop);
    }
    this.#repairAttempt = 0;
    this.#whole = true;
    this.restored();
  }

  /** SSUBSCRIBE `topics` at their owners: one command per slot (a command may not span slots). */
  async #applyAll(topics: string[], generation: number): Promise<void> {
    const bySlot = new Map<number, string[]>();
    for (const topic of topics) {
      const slot = keySlot(CHANNEL_PREFIX + topic);
      const group = bySlot.get(slot);
      if (group) group.push(topic);
      else bySlot.set(slot, [topic]);
    }
    await Promise.all(
      [...bySlot].map(async ([slot, group]) => {
        const key = this.#ownerOf(slot);
        const sub = await this.#subscriber(key);
        await sub.ssubscribe(...group.map((t) => CHANNEL_PREFIX + t));
        if (generation !== this.#generation) return;
        for (const topic of group) this.#applied.set(topic, slot);
        this.#slotAt.set(slot, key);
      }),
    );
  }
}
