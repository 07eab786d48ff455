/**
 * The chat core of one node: connections, users, local channels, presence rules, ordering and
 * resume. Imports no socket or network module: it is driven through the Transport, Store, Bus,
 * Presence and Authenticator seams, so tests run it against in-memory implementations.
 */
import type { Authenticator } from '../auth/authenticator.js';
import type { Bus } from '../bus/bus.js';
import type { Presence } from '../presence/presence.js';
import type { Store } from '../store/store.js';
import type { ConnectionEvents, TransportConnection } from '../transport/transport.js';
import { SwitchboardError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { CLIENT_FRAME_TYPES, ClientFrame, PROTOCOL_VERSION } from '../protocol/frames.js';
import { CloseCode } from '../protocol/close-codes.js';
import { ClientConnection } from './connection.js';
import { Flusher } from './flusher.js';
import { LocalChannel } from './local-channel.js';
import {
  channelTopic,
  decodeEnvelope,
  encodeEnvelope,
  userTopic,
  type Envelope,
} from './envelope.js';
import { NO_REPLY, encodeError, encodeReply, type RequestId } from './wire.js';
import { COMMANDS } from './commands.js';
import { applyEnvelope } from './apply-envelope.js';

export type { Logger };

/** Counters the core reports; the server wires them to Prometheus. */
export interface CoreMetrics {
  connections(delta: number): void;
  frameIn(type: string): void;
  messageStored(kind: 'room' | 'dm'): void;
  error(code: ErrorCode): void;
  closed(code: number): void;
  /** A payload arrived from the bus (interest routing shows in this count). */
  busIn(): void;
}

export interface CoreOptions {
  store: Store;
  bus: Bus;
  presence: Presence;
  auth: Authenticator;
  logger: Logger;
  metrics?: CoreMetrics;
  maxMessageBytes: number;
  maxBufferedBytes: number;
  rateLimit: number;
  rateBurst: number;
  floodLimit: number;
  pingInterval: number;
  pingTimeout: number;
  presenceInterval: number;
  /** Rooms with more members get no join/leave events. */
  memberEventsLimit: number;
  now?: () => number;
}

const PING = '{"type":"ping"}';
const NOOP_METRICS: CoreMetrics = {
  connections: () => {},
  frameIn: () => {},
  messageStored: () => {},
  error: () => {},
  closed: () => {},
  busIn: () => {},
};

export class ChatCore {
  readonly flusher = new Flusher();
  readonly connections = new Set<ClientConnection>();
  readonly users = new Map<string, Set<ClientConnection>>();
  readonly channels = new Map<string, LocalChannel>();
  readonly metrics: CoreMetrics;
  readonly now: () => number;
  private nextId = 1;
  private inflight = 0;
  private draining = false;
  private pendingPresence = new Map<string, number>();
  private pendingMemberEvents = new Map<string, string[]>();
  private timers: NodeJS.Timeout[] = [];
  /** Shared by every connection (no closure per connection). */
  private readonly onSlowConsumer = (c: ClientConnection): void =>
    this.closeWith(c, CloseCode.SLOW_CONSUMER, 'SB_ERR_SLOW_CONSUMER');

  constructor(readonly opts: CoreOptions) {
    this.metrics = opts.metrics ?? NOOP_METRICS;
    this.now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    await this.opts.bus.start(
      (topic, payload) => this.onBus(topic, payload),
      () => this.onBusReconnect(),
    );
    await this.opts.presence.start((user, n) => {
      this.pendingPresence.set(user, n);
    });
    const tick = Math.max(50, Math.min(this.opts.pingInterval, this.opts.pingTimeout) / 4);
    this.timers.push(setInterval(() => this.liveness(), tick));
    this.timers.push(setInterval(() => this.flushSlowEvents(), this.opts.presenceInterval));
    for (const t of this.timers) t.unref();
  }

  // --- connections -----------------------------------------------------------------------------

  accept(transport: TransportConnection): ConnectionEvents {
    const conn = new ClientConnection(
      this.nextId++,
      transport,
      this.flusher,
      this.opts,
      this.onSlowConsumer,
      this.now(),
    );
    if (this.draining) {
      conn.close(CloseCode.SHUTTING_DOWN, 'SB_ERR_SHUTTING_DOWN');
    } else {
      this.connections.add(conn);
      this.metrics.connections(1);
    }
    return new Events(this, conn);
  }

  closeWith(conn: ClientConnection, code: number, errorCode: ErrorCode): void {
    if (conn.closed) return;
    this.metrics.error(errorCode);
    conn.close(code, errorCode);
  }

  /** @internal called by Events */
  onClose(conn: ClientConnection, code: number): void {
    conn.closed = true;
    if (!this.connections.delete(conn)) return;
    this.metrics.connections(-1);
    this.metrics.closed(code);
    for (const id of [...conn.channels]) this.unsubscribe(conn, id);
    if (conn.user) this.removeUserConnection(conn.user, conn);
  }

  // --- inbound frames --------------------------------------------------------------------------

  /** @internal called by Events */
  onText(conn: ClientConnection, text: string): void {
    if (conn.closed) return;
    conn.lastSeen = this.now();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.sendError(conn, new SwitchboardError('SB_ERR_BAD_JSON'));
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return this.sendError(
        conn,
        new SwitchboardError('SB_ERR_BAD_FRAME', 'frame must be a JSON object'),
      );
    }
    const obj = raw as Record<string, unknown>;
    const id = readableId(obj.id);
    if (obj.type === 'pong') return;
    const wait = conn.bucket.take();
    if (wait > 0) {
      this.sendError(
        conn,
        new SwitchboardError('SB_ERR_RATE_LIMITED', undefined, { retryAfter: wait }),
        id,
      );
      if (++conn.rejections >= this.opts.floodLimit)
        this.closeWith(conn, CloseCode.FLOOD, 'SB_ERR_FLOOD');
      return;
    }
    conn.rejections = 0;
    if (typeof obj.type !== 'string' || !(CLIENT_FRAME_TYPES as string[]).includes(obj.type)) {
      return this.sendError(conn, new SwitchboardError('SB_ERR_UNKNOWN_TYPE'), id);
    }
    if (obj.type === 'hello' && obj.protocol !== PROTOCOL_VERSION) {
      this.sendError(conn, new SwitchboardError('SB_ERR_PROTOCOL_VERSION'), id);
      return this.closeWith(conn, CloseCode.PROTOCOL_VERSION, 'SB_ERR_PROTOCOL_VERSION');
    }
    const parsed = ClientFrame.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue
        ? `${issue.path.join('.') || 'frame'}: ${issue.message}`
        : 'invalid frame';
      return this.sendError(
        conn,
        new SwitchboardError('SB_ERR_BAD_FRAME', where.slice(0, 200)),
        id,
      );
    }
    const frame = parsed.data;
    this.metrics.frameIn(frame.type);
    if (frame.type === 'pong') return;
    if (this.draining) {
      return this.sendError(conn, new SwitchboardError('SB_ERR_SHUTTING_DOWN'), frame.id);
    }
    if (frame.type !== 'hello' && conn.user === null) {
      return this.sendError(conn, new SwitchboardError('SB_ERR_NOT_AUTHENTICATED'), frame.id);
    }
    this.run(conn, frame);
  }

  private run(conn: ClientConnection, frame: Exclude<ClientFrame, { type: 'pong' }>): void {
    const handler = COMMANDS[frame.type] as (
      core: ChatCore,
      c: ClientConnection,
      f: typeof frame,
    ) => Promise<unknown>;
    this.inflight++;
    handler(this, conn, frame)
      .then(
        (data) => {
          if (data !== NO_REPLY) conn.push(encodeReply(frame.id, data));
        },
        (err: unknown) => {
          if (!(err instanceof SwitchboardError))
            this.opts.logger.error({ err, type: frame.type }, 'command failed');
          this.sendError(conn, err, frame.id);
        },
      )
      .finally(() => this.inflight--);
  }

  sendError(conn: ClientConnection, err: unknown, id?: RequestId): void {
    if (err instanceof SwitchboardError) this.metrics.error(err.code);
    else this.metrics.error('SB_ERR_INTERNAL');
    conn.push(encodeError(err, id));
  }

  // --- users and presence ----------------------------------------------------------------------

  addUserConnection(user: string, conn: ClientConnection): void {
    let set = this.users.get(user);
    if (!set) {
      set = new Set();
      this.users.set(user, set);
      this.opts.bus.subscribe(userTopic(user)).catch((err) => this.busError(err));
    }
    set.add(conn);
    this.opts.presence.setLocal(user, set.size);
  }

  removeUserConnection(user: string, conn: ClientConnection): void {
    const set = this.users.get(user);
    if (!set?.delete(conn)) return;
    if (set.size === 0) {
      this.users.delete(user);
      this.opts.bus.unsubscribe(userTopic(user)).catch((err) => this.busError(err));
    }
    this.opts.presence.setLocal(user, set.size);
  }

  /**
   * Member events are coalesced on the presence interval, and only sent for rooms of at most
   * memberEventsLimit members: telling every member of a huge room about every join is
   * quadratic (15,000 new users in general would be ~10^8 frames).
   */
  memberEvent(room: string, user: string, joined: boolean, fromBus = false): void {
    const channel = `room:${room}`;
    const ch = this.channels.get(channel);
    if (ch) {
      ch.members = Math.max(0, ch.members + (joined ? 1 : -1));
      if (ch.members <= this.opts.memberEventsLimit) {
        const json = JSON.stringify({ type: 'member', room, user, joined });
        const list = this.pendingMemberEvents.get(channel);
        if (list) list.push(json);
        else this.pendingMemberEvents.set(channel, [json]);
      }
    }
    if (!fromBus)
      this.publish(channelTopic(channel), { k: 'member', c: channel, u: user, j: joined });
  }

  private flushSlowEvents(): void {
    if (this.pendingMemberEvents.size > 0) {
      const events = this.pendingMemberEvents;
      this.pendingMemberEvents = new Map();
      for (const [id, list] of events) {
        const ch = this.channels.get(id);
        if (ch) for (const json of list) ch.event(json, null);
      }
    }
    if (this.pendingPresence.size > 0) {
      const users = [...this.pendingPresence].map(([user, connections]) => ({ user, connections }));
      this.pendingPresence.clear();
      const frame = Buffer.from(JSON.stringify({ type: 'presence', users }));
      for (const conn of this.connections) if (conn.user && conn.presence) conn.push(frame);
    }
  }

  // --- channels --------------------------------------------------------------------------------

  /** The local channel, activated (bus subscribed, head read). */
  async channel(id: string): Promise<LocalChannel> {
    for (;;) {
      let ch = this.channels.get(id);
      if (!ch) {
        const room = id.startsWith('room:');
        ch = new LocalChannel(
          id,
          this.opts.store,
          this.flusher,
          () => (room ? this.opts.bus.subscribe(channelTopic(id)) : Promise.resolve()),
          (err) => this.opts.logger.warn({ err, channel: id }, 'gap repair failed'),
        );
        this.channels.set(id, ch);
        const created = ch;
        ch.ready.catch(() => {
          if (this.channels.get(id) === created) this.channels.delete(id);
        });
      }
      await ch.ready;
      if (this.channels.get(id) === ch) return ch;
    }
  }

  unsubscribe(conn: ClientConnection, id: string): void {
    const ch = this.channels.get(id);
    conn.channels.delete(id);
    if (!ch) return;
    ch.unsubscribe(conn);
    this.releaseIfIdle(ch);
  }

  /** Subscribe every local connection of `user` that is not yet in the channel. */
  async subscribeUser(user: string, id: string, catchUpFrom?: number): Promise<void> {
    const conns = this.users.get(user);
    if (!conns) return;
    let from = catchUpFrom;
    if (from !== undefined && id.startsWith('dm:') && !this.follows(user, id)) {
      // A DM replays from the member's floor at the earliest, and only to a member: a handle
      // reclaimed by someone new does not get the previous owner's conversation.
      const pos = await this.opts.store.membership(id, user);
      if (!pos) return;
      from = Math.max(from, pos.floorSeq);
    }
    const ch = await this.channel(id);
    for (const c of conns) {
      if (c.closed || c.channels.has(id)) continue;
      if (from === undefined) ch.subscribeLive(c);
      else
        ch.catchUp(c, from).catch((err) =>
          this.opts.logger.warn({ err, channel: id }, 'catch-up failed'),
        );
    }
    this.releaseIfIdle(ch);
  }

  /** Whether every open connection of `user` on this node receives channel `id`. */
  follows(user: string, id: string): boolean {
    for (const c of this.users.get(user) ?? []) if (!c.closed && !c.channels.has(id)) return false;
    return true;
  }

  unsubscribeUser(user: string, id: string): void {
    for (const c of this.users.get(user) ?? []) this.unsubscribe(c, id);
  }

  releaseIfIdle(ch: LocalChannel): void {
    if (ch.size === 0 && this.channels.get(ch.id) === ch) {
      this.channels.delete(ch.id);
      ch.dispose();
      if (ch.id.startsWith('room:'))
        this.opts.bus.unsubscribe(channelTopic(ch.id)).catch((err) => this.busError(err));
    }
  }

  pushToUser(user: string, frame: string, except?: ClientConnection): void {
    for (const c of this.users.get(user) ?? []) if (c !== except) c.push(frame);
  }

  // --- bus -------------------------------------------------------------------------------------

  publish(topic: string, e: Envelope): void {
    this.opts.bus.publish(topic, encodeEnvelope(e)).catch((err) => this.busError(err));
  }

  private busErrorsSuppressed = 0;
  private busErrorLogged = 0;

  /** At most one log line per 5 s: during an outage every publish fails. */
  busError(err: unknown): void {
    const now = this.now();
    if (now - this.busErrorLogged < 5000) {
      this.busErrorsSuppressed++;
      return;
    }
    this.opts.logger.warn({ err, suppressed: this.busErrorsSuppressed }, 'bus operation failed');
    this.busErrorLogged = now;
    this.busErrorsSuppressed = 0;
  }

  /** Payloads published while the bus was down are lost; the store has the messages. */
  private onBusReconnect(): void {
    this.opts.logger.info({ channels: this.channels.size }, 'bus reconnected; resyncing channels');
    for (const ch of this.channels.values()) {
      ch.resync().catch((err) => this.opts.logger.warn({ err, channel: ch.id }, 'resync failed'));
    }
  }

  private onBus(topic: string, payload: string): void {
    this.metrics.busIn();
    const e = decodeEnvelope(payload);
    if (e) applyEnvelope(this, topic.startsWith('u.') ? topic.slice(2) : null, e);
  }

  // --- liveness and shutdown -------------------------------------------------------------------

  private liveness(): void {
    const now = this.now();
    const deadline = this.opts.pingInterval + this.opts.pingTimeout;
    for (const conn of this.connections) {
      if (now - conn.lastSeen > deadline) {
        this.closeWith(conn, CloseCode.PING_TIMEOUT, 'SB_ERR_PING_TIMEOUT');
      } else if (now - conn.lastPing >= this.opts.pingInterval) {
        conn.lastPing = now;
        conn.push(PING);
      }
    }
  }

  /** Stop taking commands, let in-flight ones finish (bounded), then close every connection 4000. */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const until = this.now() + timeoutMs;
    while (this.inflight > 0 && this.now() < until) await new Promise((r) => setTimeout(r, 20));
    this.flusher.run();
    for (const conn of [...this.connections])
      conn.close(CloseCode.SHUTTING_DOWN, 'SB_ERR_SHUTTING_DOWN');
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const ch of this.channels.values()) ch.dispose();
  }
}

/** One small object per connection instead of three closures. */
class Events implements ConnectionEvents {
  constructor(
    private readonly core: ChatCore,
    private readonly conn: ClientConnection,
  ) {}
  onText(text: string): void {
    this.core.onText(this.conn, text);
  }
  onBinary(): void {
    this.core.sendError(this.conn, new SwitchboardError('SB_ERR_BINARY_UNSUPPORTED'));
    this.core.closeWith(this.conn, CloseCode.BINARY_UNSUPPORTED, 'SB_ERR_BINARY_UNSUPPORTED');
  }
  onClose(code: number): void {
    this.core.onClose(this.conn, code);
  }
}

function readableId(id: unknown): RequestId | undefined {
  if (typeof id === 'string' && id.length <= 64) return id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  return undefined;
}
