/**
 * The chat core of one node: connections, users, local channels, presence rules, ordering and
 * resume. Imports no socket or network module: it is driven through the Transport, Store, Bus,
 * Presence and Authenticator seams, so tests run it against in-memory implementations.
 *
 * This file wires the parts: the Directory (what this node holds), the ClusterLink (the bus),
 * the FrameGate (inbound frames to commands), the commands (src/core/commands), and the events
 * sent coalesced on the presence interval. It owns liveness and shutdown.
 */
import type { Authenticator } from '../auth/authenticator.js';
import type { BlobStore } from '../blob/blob-store.js';
import type { Bus } from '../bus/bus.js';
import { SwitchboardError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Presence } from '../presence/presence.js';
import type { PushSender } from '../push/push-sender.js';
import { CloseCode, type CloseCodeValue } from '../protocol/close-codes.js';
import type { Store } from '../store/store.js';
import type { ConnectionEvents, TransportConnection } from '../transport/transport.js';
import { applyEnvelope } from './apply-envelope.js';
import { ClusterLink } from './cluster-link.js';
import { CoalescedEvents, RECEIPT_INTERVAL_MS, type PendingReceipt } from './coalesced-events.js';
import { deliverReceipt } from './receipt-delivery.js';
import { ROOM_PRESENCE_INTERVAL_MS, RoomPresence } from './room-presence.js';
import { parseChannel } from '../protocol/channels.js';
import { COMMANDS, type CommandContext } from './commands/index.js';
import { ClientConnection } from './connection.js';
import { NOOP_METRICS, type CoreMetrics } from './core-metrics.js';
import { Directory } from './directory.js';
import { deliverReport } from './commands/report.js';
import { authorizeChannel } from './commands/file-access.js';
import { LOGINS_TOPIC, REPORTS_TOPIC, channelTopic, userTopic } from './envelope.js';
import { Flusher } from './flusher.js';
import { NO_EVENTS, type BeforeSend, type EventSink } from './event-sink.js';
import { TokenBucket } from '../token-bucket.js';
import { FrameGate } from './frame-gate.js';
import { IsolationWatch } from './isolation.js';
import type { LocalChannel } from './local-channel.js';
import type { LinkPreview } from '../protocol/link-preview.js';
import {
  HEADLESS_REFUSED,
  HEADLESS_TRANSPORT,
  type HeadlessActor,
  type HeadlessFrame,
} from './headless.js';
import { ClientFrame } from '../protocol/frames.js';
import { SERVER_SCOPE } from '../store/store.js';
import { PushNotifier, type PushOutcomeMetric } from './push-notifier.js';

export type { Logger };
export type { HeadlessActor, HeadlessFrame };
export type { CoreMetrics };

export interface CoreOptions {
  store: Store;
  bus: Bus;
  presence: Presence;
  auth: Authenticator;
  logger: Logger;
  metrics?: CoreMetrics;
  maxMessageBytes: number;
  /**
   * Fetches the preview of a message's first link (src/net/link-previewer.ts); absent (default):
   * no link previews.
   */
  linkPreview?: ((url: string) => Promise<LinkPreview | null>) | undefined;
  /** Seconds after sending in which its author may edit a message; 0 (default): no limit. */
  editWindow?: number;
  maxBufferedBytes: number;
  rateLimit: number;
  rateBurst: number;
  /** All of a user's connections on this node share this budget too. Default 2 × rateLimit. */
  userRateLimit?: number | undefined;
  /** Default 2 × rateBurst. */
  userRateBurst?: number | undefined;
  floodLimit: number;
  pingInterval: number;
  pingTimeout: number;
  presenceInterval: number;
  /** Rooms with more members get no join/leave events. */
  memberEventsLimit: number;
  /** Rooms with more members allow `@room` / `@here` to moderators and above. Default 50. */
  mentionAllMinMembers?: number;
  /** Rooms with more members have no read receipts. Default 100. */
  receiptsMaxMembers?: number;
  /** Where uploaded files' bytes live; a deleted message's files are erased from it. */
  blobStore?: BlobStore;
  /** Push notifications to users with no connected device (docs/push.md); absent: none. */
  push?: {
    sender: PushSender;
    /** Notifications posted at once. Default 4. */
    concurrency?: number;
    /** Notifications waiting; more are dropped. Default 1000. */
    queueLimit?: number;
    metric?: (outcome: PushOutcomeMetric) => void;
  };
  now?: () => number;
  /** Where webhook events go (src/webhooks). Default: nowhere. */
  events?: EventSink;
  /** The operator's before-send hook (`--before-send-url`). Default: none. */
  beforeSend?: BeforeSend | null;
  /**
   * Milliseconds the bus may be lost before every client here is closed with 4005
   * (SB_ERR_NODE_ISOLATED; see isolation.ts). 0 or absent (default here): never.
   */
  busLostClose?: number;
  /**
   * The login throttle, when this node signs people in: the attempts other nodes let through
   * (LOGINS_TOPIC) are taken from it too. Absent: the node does not listen to them.
   */
  logins?: { observe(address: string, handle?: string): void };
}

const PING = '{"type":"ping"}';

export class ChatCore {
  private readonly flusher = new Flusher();
  private readonly directory: Directory;
  private readonly link: ClusterLink;
  private readonly gate: FrameGate;
  private readonly events: CoalescedEvents;
  private readonly isolation: IsolationWatch;
  private readonly rooms: RoomPresence;
  private readonly metrics: CoreMetrics;
  private readonly now: () => number;
  /** Push notifications; null when the node sends none. */
  readonly push: PushNotifier | null;
  private nextId = 1;
  private draining = false;
  private timers: NodeJS.Timeout[] = [];
  /** Shared by every connection (no closure per connection). */
  private readonly onSlowConsumer = (c: ClientConnection): void =>
    this.gate.closeWith(c, CloseCode.SLOW_CONSUMER, 'SB_ERR_SLOW_CONSUMER');

  constructor(private readonly opts: CoreOptions) {
    this.metrics = opts.metrics ?? NOOP_METRICS;
    this.now = opts.now ?? Date.now;
    this.link = new ClusterLink(opts.bus, opts.logger, this.now, () => this.metrics.busIn());
    this.isolation = new IsolationWatch(opts.busLostClose ?? 0);
    const online = new Set<string>();
    this.directory = new Directory({
      online,
      store: opts.store,
      flusher: this.flusher,
      interest: this.link,
      presence: opts.presence,
      logger: opts.logger,
      userBucket: () =>
        new TokenBucket(
          opts.userRateLimit ?? 2 * opts.rateLimit,
          opts.userRateBurst ?? 2 * opts.rateBurst,
          this.now,
        ),
      replayFailed: (conn, channel, err) => {
        opts.logger.warn({ err, channel }, 'replay failed');
        this.gate.sendError(conn, err, undefined, channel);
      },
      delivered: (count) => this.metrics.delivered(count),
    });
    this.events = new CoalescedEvents(this.directory, opts.memberEventsLimit);
    this.rooms = new RoomPresence(this.directory, online, opts.memberEventsLimit);
    this.push = opts.push
      ? new PushNotifier({
          ...opts.push,
          store: opts.store,
          presence: opts.presence,
          logger: opts.logger,
          now: this.now,
        })
      : null;
    const push = this.push;
    const sink = opts.events ?? NO_EVENTS;
    const context: CommandContext = {
      events: sink,
      beforeSend: opts.beforeSend ?? null,
      store: opts.store,
      auth: opts.auth,
      presence: opts.presence,
      directory: this.directory,
      limits: {
        ...opts,
        editWindow: opts.editWindow ?? 0,
        mentionAllMinMembers: opts.mentionAllMinMembers ?? 50,
        receiptsMaxMembers: opts.receiptsMaxMembers ?? 100,
      },
      linkPreview: opts.linkPreview,
      now: this.now,
      publish: (topic, e) => this.link.publish(topic, e),
      memberEvent: (room, user, joined) => {
        this.memberSeen(room, user, joined);
        // Leaves are logged by removeFromRoom, which knows whether it was a kick or a ban.
        if (joined) sink.emit('member.joined', `room:${room}`, { room, user });
        this.link.publish(channelTopic(`room:${room}`), {
          k: 'member',
          c: `room:${room}`,
          u: user,
          j: joined,
        });
      },
      channelEvent: (channel, f) => {
        this.directory.channels.get(channel)?.event(f, null);
        this.link.publish(channelTopic(channel), { k: 'event', c: channel, f });
      },
      notifyUser: (user, f) => {
        this.directory.pushToUser(user, f);
        this.link.publish(userTopic(user), { k: 'notice', f });
      },
      messageStored: (kind) => this.metrics.messageStored(kind),
      receipt: (channel, user, seq) => this.events.receipt(channel, user, seq),
      pushSender: opts.push?.sender ?? null,
      pushNotify: (user, message, kind) => push?.notify(user, message, kind),
      disconnectUser: (user, code, session) => this.disconnectUser(user, code, session),
      eraseUploads: (ids) => this.eraseUploads(ids),
      report: (r) => {
        sink.emit('report.filed', r.channel, { ...r });
        deliverReport(context, r).catch((err: unknown) =>
          opts.logger.warn({ err, channel: r.channel }, 'report delivery failed'),
        );
        this.link.publish(REPORTS_TOPIC, { k: 'report', r });
      },
    };
    this.gate = new FrameGate({
      commands: COMMANDS,
      context,
      metrics: this.metrics,
      logger: opts.logger,
      floodLimit: opts.floodLimit,
      now: this.now,
      draining: () => this.draining,
    });
  }

  /** Erases uploads and their blobs: see CommandContext.eraseUploads. */
  async eraseUploads(ids: string[]): Promise<void> {
    const { store, blobStore: blobs, logger } = this.opts;
    for (const id of ids) {
      try {
        const u = await store.uploads.upload(id);
        if (!u) continue;
        await blobs?.delete(u.id);
        if (u.thumb !== undefined) await blobs?.delete(u.thumb);
        await store.uploads.removeUpload(u.id);
      } catch (err) {
        logger.warn({ err, upload: id }, 'erasing an upload failed');
      }
    }
  }

  /** The channel check of the file routes (commands/file-access.ts). */
  authorizeChannel(
    who: { user: string; roles: readonly string[] },
    channel: string,
    command: 'send' | 'history',
  ): Promise<void> {
    return authorizeChannel({ store: this.opts.store, now: this.now }, who, channel, command);
  }

  /**
   * Tells the other nodes of a sign-in attempt this node's throttle let through (from client
   * `address`, for account `handle`), so that theirs count it too (CoreOptions.logins). A payload
   * lost on the bus only makes that one attempt per-node again.
   */
  loginAttempted(address: string, handle?: string): void {
    this.link.publish(LOGINS_TOPIC, {
      k: 'login',
      a: address,
      ...(handle === undefined ? {} : { h: handle }),
    });
  }

  /**
   * Closes `user`'s connections with `code` on this node at once and on every other node as the
   * bus delivers (only those of `session` when given): a revoked session, a server ban. A node
   * that misses the payload (bus down) still refuses the session at its next hello.
   */
  disconnectUser(user: string, code: CloseCodeValue, session?: string): void {
    this.directory.closeUser(user, code, session);
    this.link.publish(userTopic(user), {
      k: 'disconnect',
      code,
      ...(session === undefined ? {} : { s: session }),
    });
  }

  /**
   * Room channel `id`'s member and online counts, exact cluster-wide (issue #10 §4): its
   * RoomTally's, O(1) when the room is active here (someone here receives it); otherwise the
   * room is activated for the read, which reads its member list once, as a first subscriber's
   * join would. Rejects when the store or the bus cannot activate it.
   */
  roomCounts(id: string): Promise<{ members: number; online: number }> {
    return this.directory.borrow(id, (ch) => ({
      members: ch.tally?.size ?? 0,
      online: ch.tally?.online ?? 0,
    }));
  }

  /**
   * Runs one command as `actor` with no socket (the HTTP API, webhooks, the admin console): the
   * same handler, permission checks, stores and bus as the socket frame, so its effects reach
   * every node alike. Resolves the reply's data; rejects with the command's SwitchboardError
   * (SB_ERR_BAD_FRAME when the frame breaks the protocol schema, SB_ERR_BANNED for a user banned
   * server-wide, SB_ERR_SHUTTING_DOWN while draining). The actor is not online meanwhile.
   */
  async runAs(actor: HeadlessActor, frame: HeadlessFrame): Promise<unknown> {
    if (HEADLESS_REFUSED.includes(frame.type))
      throw new SwitchboardError('SB_ERR_BAD_FRAME', `${frame.type} cannot run headless`);
    const parsed = ClientFrame.safeParse({ ...frame, id: 0 });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || 'frame'}: ${issue.message}` : 'invalid';
      throw new SwitchboardError('SB_ERR_BAD_FRAME', where.slice(0, 200));
    }
    const user = actor.user.toLowerCase();
    if (await this.opts.store.moderation.restriction(SERVER_SCOPE, user, 'ban', this.now()))
      throw new SwitchboardError('SB_ERR_BANNED');
    const conn = new ClientConnection(
      this.nextId++,
      HEADLESS_TRANSPORT,
      this.flusher,
      this.opts,
      () => {},
      this.now(),
    );
    conn.user = user;
    conn.roles = actor.roles ?? [];
    try {
      return await this.gate.execute(conn, parsed.data as Exclude<ClientFrame, { type: 'pong' }>);
    } finally {
      conn.closed = true;
      this.directory.drop(conn);
    }
  }

  /** This node's users with their open connection counts here (presence per node). */
  localUsers(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const [user, set] of this.directory.users) out.set(user, set.size);
    return out;
  }

  /** Channels active on this node (for tests and metrics). */
  get channels(): ReadonlyMap<string, LocalChannel> {
    return this.directory.channels;
  }

  async start(): Promise<void> {
    const { store, presence, logger } = this.opts;
    const envelopes = {
      store,
      directory: this.directory,
      now: this.now,
      memberSeen: (room: string, user: string, joined: boolean) =>
        this.memberSeen(room, user, joined),
      failed: (err: unknown) => this.link.failed(err),
      loginSeen: (address: string, handle: string | undefined) =>
        this.opts.logins?.observe(address, handle),
    };
    await this.link.start(
      (user, e) => applyEnvelope(envelopes, user, e),
      () => this.resync(),
    );
    await this.link.subscribe(REPORTS_TOPIC);
    if (this.opts.logins) await this.link.subscribe(LOGINS_TOPIC);
    const sink = this.opts.events ?? NO_EVENTS;
    await presence.start((user, n) => {
      this.rooms.presenceChanged(user, n);
      this.events.presenceChanged(user, n);
      sink.presence(user, n > 0);
    });
    const tick = Math.max(50, Math.min(this.opts.pingInterval, this.opts.pingTimeout) / 4);
    this.timers.push(setInterval(() => this.liveness(), tick));
    if ((this.opts.busLostClose ?? 0) > 0)
      this.timers.push(setInterval(() => this.checkIsolated(), this.isolation.checkEveryMs));
    this.timers.push(setInterval(() => this.events.flush(), this.opts.presenceInterval));
    this.timers.push(setInterval(() => this.rooms.flush(), ROOM_PRESENCE_INTERVAL_MS));
    this.timers.push(
      setInterval(() => this.events.flushReceipts((r) => this.sendReceipt(r)), RECEIPT_INTERVAL_MS),
    );
    for (const t of this.timers) t.unref();
    logger.debug({}, 'core started');
  }

  /** A join or leave, here or on another node: counted, then coalesced for the room's watchers. */
  private memberSeen(room: string, user: string, joined: boolean): void {
    this.rooms.member(`room:${room}`, user, joined);
    this.events.member(room, user, joined);
  }

  /**
   * A coalesced read receipt: to the channel's members here and on the other nodes (a room's
   * topic; for a DM the other participant's). None in rooms above receiptsMaxMembers.
   */
  private sendReceipt(r: PendingReceipt): void {
    const parsed = parseChannel(r.channel);
    if (!parsed) return;
    const ch = this.directory.channels.get(r.channel);
    if (parsed.kind === 'room' && (ch?.members ?? 0) > (this.opts.receiptsMaxMembers ?? 100))
      return;
    deliverReceipt(this.directory, r.channel, r.user, r.seq);
    const e = { k: 'receipt' as const, c: r.channel, u: r.user, s: r.seq };
    if (parsed.kind === 'room') this.link.publish(channelTopic(r.channel), e);
    else for (const u of parsed.users) if (u !== r.user) this.link.publish(userTopic(u), e);
  }

  /**
   * Payloads published while the bus was down are lost; the store has the messages. This node
   * re-reads its active channels, and tells the other nodes the heads of the channels whose
   * messages it could not publish (after a partition only this node saw an outage).
   */
  private resync(): void {
    const channels = this.directory.channels;
    this.opts.logger.info({ channels: channels.size }, 'bus reconnected; resyncing channels');
    this.link.announceUnsent();
    for (const ch of channels.values()) {
      ch.resync().catch((err: unknown) =>
        this.opts.logger.warn({ err, channel: ch.id }, 'resync failed'),
      );
      // Member envelopes may have been lost too: count the room again from the store.
      if (ch.tally)
        ch.loadMembers().then(
          () => this.rooms.touch(ch.id),
          (err: unknown) => this.opts.logger.warn({ err, channel: ch.id }, 'member reload failed'),
        );
    }
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
      this.directory.connections.add(conn);
      this.metrics.connections(1);
    }
    return new Events(this, conn);
  }

  /** @internal called by Events */
  onText(conn: ClientConnection, text: string): void {
    this.gate.onText(conn, text);
  }

  /** @internal called by Events */
  onBinary(conn: ClientConnection): void {
    this.gate.sendError(conn, new SwitchboardError('SB_ERR_BINARY_UNSUPPORTED'));
    this.gate.closeWith(conn, CloseCode.BINARY_UNSUPPORTED, 'SB_ERR_BINARY_UNSUPPORTED');
  }

  /** @internal called by Events */
  onClose(conn: ClientConnection, code: number): void {
    conn.closed = true;
    if (!this.directory.connections.delete(conn)) return;
    this.metrics.connections(-1);
    this.metrics.closed(code);
    this.directory.drop(conn);
  }

  // --- liveness and shutdown -------------------------------------------------------------------

  /** Cut off from the bus for busLostClose: close every client once with 4005 (isolation.ts). */
  private checkIsolated(): void {
    const now = this.now();
    if (!this.isolation.due(this.opts.bus.ready(), now)) return;
    const conns = [...this.directory.connections];
    this.opts.logger.warn(
      { lostMs: this.isolation.lostFor(now), connections: conns.length },
      'bus lost; closing clients with 4005 so they reconnect to another node',
    );
    for (const conn of conns)
      this.gate.closeWith(conn, CloseCode.NODE_ISOLATED, 'SB_ERR_NODE_ISOLATED');
  }

  private liveness(): void {
    const now = this.now();
    const deadline = this.opts.pingInterval + this.opts.pingTimeout;
    // Rate budgets that refilled are freed here, so idle connections and users hold none.
    this.directory.releaseUserBuckets();
    for (const conn of this.directory.connections) {
      conn.releaseBucket();
      if (conn.credential && this.credentialEnded(conn, now)) continue;
      if (now - conn.lastSeen > deadline) {
        this.gate.closeWith(conn, CloseCode.PING_TIMEOUT, 'SB_ERR_PING_TIMEOUT');
      } else if (now - conn.lastPing >= this.opts.pingInterval) {
        conn.lastPing = now;
        conn.push(PING);
      }
    }
  }

  /**
   * A JWT connection is warned once (`expiring`) and closed 4004 at expiry unless a `refresh`
   * moved it; both within one liveness tick. True when it closed the connection.
   */
  private credentialEnded(conn: ClientConnection, now: number): boolean {
    const credential = conn.credential!;
    if (now >= credential.expiresAt) {
      this.gate.closeWith(conn, CloseCode.JWT_EXPIRED, 'SB_ERR_JWT_EXPIRED');
      return true;
    }
    if (credential.warnAt !== null && now >= credential.warnAt) {
      credential.warnAt = null;
      conn.push(JSON.stringify({ type: 'expiring', expiresAt: credential.expiresAt }));
    }
    return false;
  }

  /** Stop taking commands, let in-flight ones finish (bounded), then close every connection 4000. */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const until = this.now() + timeoutMs;
    while (this.gate.inflight > 0 && this.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    this.flusher.run();
    for (const conn of [...this.directory.connections])
      conn.close(CloseCode.SHUTTING_DOWN, 'SB_ERR_SHUTTING_DOWN');
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async stop(): Promise<void> {
    this.push?.close();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const ch of this.directory.channels.values()) ch.dispose();
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
    this.core.onBinary(this.conn);
  }
  onClose(code: number): void {
    this.core.onClose(this.conn, code);
  }
}
