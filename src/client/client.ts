/**
 * The Switchboard client SDK: one logical session over a WebSocket that is re-opened as needed.
 * Runs in browsers and Node (pass `ws`'s WebSocket in Node 20); imports nothing from Node.
 *
 * Guarantees to the application:
 * - every room/DM message is emitted once as 'message', in channel order, own sends included
 *   (the server returns those only in the send reply); a delete event (a log entry with
 *   `deletes`, live, replayed or our own `delete`'s reply) is emitted as 'delete' instead, an
 *   edit event as 'edit' and a reaction event as 'reaction' (message-model.ts applies them);
 * - after a drop the client reconnects with backoff, resumes every known channel from its last
 *   seq (nothing missed, nothing twice) and re-sends unacknowledged sends with their cid;
 * - a channel that appeared meanwhile is replayed too (a DM from its start, a room joined on
 *   another device from the read position), and a replay that fails is retried with backoff
 *   until it succeeds; see ChannelSync for how a replaying channel is kept in order;
 * - sends go through one ordered outbox paced by the server's announced rate limit, which
 *   backs off as a whole on retryable errors (see outbox.ts); `pending()` and the 'outbox'
 *   event show it, `ClientOptions.outbox` restores it (e.g. after a page reload);
 * - close codes 4100-4199 and 1008 are final: no reconnect, state 'closed'.
 */
import { SwitchboardError, isErrorCode } from '../errors.js';
import { shouldReconnect } from '../protocol/close-codes.js';
import { PROTOCOL_VERSION, dmChannel, roomChannel } from '../protocol/channels.js';
import type {
  ChannelState,
  ChatMessage,
  HelloResult,
  HistoryResult,
  OnlineUser,
  ReceiptsResult,
  RoomInfo,
  RoomKind,
  ServerFrame,
  UserSettings,
} from '../protocol/frames.js';
import { RECONNECT_DEFAULTS } from './backoff.js';
import { ChannelBook } from './channel-book.js';
import { ChannelSync } from './channel-sync.js';
import { Emitter } from './emitter.js';
import { Outbox } from './outbox.js';
import { toError } from './pending-requests.js';
import { SocketLink } from './socket-link.js';
import type {
  ClientEvents,
  CommandFrame,
  ClientOptions,
  ClientState,
  HistoryOptions,
  MemberInfo,
  MembersPage,
  PendingSend,
  ResumePosition,
  SendOptions,
  SendTarget,
  SyncedEvent,
  WebSocketCtor,
} from './types.js';

const TYPING_THROTTLE = 3_000;
const AUTH_RETRY = new Set(['SB_ERR_TOKEN_EXPIRED', 'SB_ERR_TOKEN_INVALID']);

type Deferred = {
  promise: Promise<HelloResult>;
  resolve(h: HelloResult): void;
  reject(e: unknown): void;
};

export class SwitchboardClient extends Emitter<ClientEvents> {
  private readonly link: SocketLink;
  private readonly outbox: Outbox;
  private readonly book: ChannelBook;
  private readonly sync: ChannelSync;
  private readonly onlineUsers = new Map<string, number>();
  private readonly typingSent = new Map<string, number>();
  private current: ClientState = 'idle';
  private me: string | null = null;
  /** My settings as of the last hello or `settings` frame. */
  private userSettings: UserSettings = { receipts: true };
  private session: string | null;
  private handle: string | null;
  private first: Deferred | null = null;

  constructor(private readonly options: ClientOptions) {
    super();
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
    if (!WS)
      throw new SwitchboardError(
        'SB_ERR_CONFIG_INVALID',
        'no WebSocket implementation: pass options.WebSocket',
      );
    if (!options.token && !options.handle && !options.getToken && !options.jwt)
      throw new SwitchboardError(
        'SB_ERR_CONFIG_INVALID',
        'give a handle, a token, a jwt or getToken',
      );
    this.session = options.token ?? null;
    this.handle = options.handle?.toLowerCase() ?? null;
    this.link = new SocketLink(
      options.url,
      WS,
      { ...RECONNECT_DEFAULTS, ...options.reconnect },
      options.requestTimeout ?? 10_000,
      {
        open: (generation) => void this.hello(generation, false),
        frame: (f) => this.dispatch(f),
        lost: (code, reason) => this.lost(code, reason),
      },
    );
    this.book = new ChannelBook(options.positions);
    this.sync = new ChannelSync(
      {
        request: (frame, onReply) => this.link.rpc(frame, onReply),
        position: (channel) => this.book.position(channel),
        deliver: (m) => this.emitMessage(m),
        synced: (r) => this.synced(r),
        syncing: (e) => this.emit('syncing', e),
        removed: (channel) => this.removeChannel(channel),
      },
      // The reconnect backoff paces replay retries too.
      { ...RECONNECT_DEFAULTS, ...options.reconnect },
    );
    this.outbox = new Outbox(
      {
        request: (frame) => this.link.rpc(frame),
        onSent: (m) => this.deliver(m),
        onChange: () => this.emit('outbox', this.outbox.list()),
      },
      options.outbox,
    );
  }

  // --- getters ---------------------------------------------------------------------------------

  get state(): ClientState {
    return this.current;
  }
  /** Handle of the session, once hello succeeded. */
  get user(): string | null {
    return this.me;
  }
  /** Session token to come back as the same user (store it). */
  get token(): string | null {
    return this.session;
  }
  get channels(): ReadonlyMap<string, ChannelState> {
    return this.book.states;
  }
  /** Channels whose replay has not ended yet (see the `syncing` and `synced` events). */
  get syncing(): ReadonlySet<string> {
    return this.sync.channels;
  }
  /** Online users and their connection counts (empty with presence: false). */
  get online(): ReadonlyMap<string, number> {
    return this.onlineUsers;
  }
  /** Sends still on their way (queued or sending); failed ones are not counted. */
  get outboxSize(): number {
    return this.outbox.size;
  }
  /**
   * The outbox in send order: queued, sending and failed messages (plain data; save it and pass
   * it back as `options.outbox` to survive a reload). Still lists the unsent ones after close().
   */
  pending(): PendingSend[] {
    return this.outbox.list();
  }
  /** Last seq delivered per channel; persist it and pass it back as options.positions. */
  positions(): ResumePosition[] {
    return this.book.positions();
  }

  // --- lifecycle -------------------------------------------------------------------------------

  /** Resolves with the first hello; rejects if the client closes for good before that. */
  connect(): Promise<HelloResult> {
    if (this.first) return this.first.promise;
    if (this.current === 'closed')
      return Promise.reject(new SwitchboardError('SB_ERR_CONNECTION_CLOSED', 'client is closed'));
    const first = {} as Deferred;
    first.promise = new Promise<HelloResult>((res, rej) =>
      Object.assign(first, { resolve: res, reject: rej }),
    );
    this.first = first;
    this.setState('connecting');
    this.open();
    return first.promise;
  }

  /**
   * Closes for good: pending requests and send() promises reject with SB_ERR_CONNECTION_CLOSED;
   * the unsent messages stay in `pending()`.
   */
  close(): void {
    if (this.current === 'closed') return;
    const err = new SwitchboardError('SB_ERR_CONNECTION_CLOSED', 'client closed');
    this.finish(1000, 'client closed', err);
  }

  /**
   * While reconnecting, skips the rest of the backoff wait and tries at once (e.g. on the
   * browser's `online` event). Does nothing in any other state. Returns whether it tried.
   */
  reconnectNow(): boolean {
    return this.current === 'reconnecting' && this.link.reconnectNow();
  }

  /**
   * Treats the connection as lost now and reconnects with backoff, for when the application
   * knows it is dead before the socket says so: on the browser's `offline` event a WebSocket's
   * close may not complete until the network is back, and sends written into it meanwhile would
   * wait for their timeout. Sends stay in the outbox; `reconnectNow()` on `online`. Does nothing
   * unless connecting or ready. Returns whether it dropped a connection.
   */
  dropConnection(): boolean {
    if (this.current !== 'ready' && this.current !== 'connecting') return false;
    // 1000: the one code (with 3000-4999) a browser's close() accepts; it is not a final code.
    this.link.drop(1000, 'dropped by the application');
    return true;
  }

  private open(): void {
    try {
      this.link.open();
    } catch (err) {
      this.finish(
        1008,
        'invalid url',
        new SwitchboardError('SB_ERR_CONFIG_INVALID', 'cannot open the WebSocket', { cause: err }),
      );
    }
  }

  private async hello(generation: number, claim: boolean): Promise<void> {
    const frame: Record<string, unknown> = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      presence: this.options.presence ?? true,
    };
    const resume = this.book.positions();
    if (resume.length > 0) frame.resume = resume;
    try {
      if (this.options.getToken) {
        frame.jwt = await this.options.getToken();
        if (this.link.generation !== generation) return;
      } else if (this.options.jwt) frame.jwt = this.options.jwt;
      else if (this.session && !claim) frame.token = this.session;
      else frame.handle = this.handle;
      // Handled synchronously: the frames after the reply (replay, live) must see its state.
      await this.link.rpc(frame, (data) => {
        if (this.link.generation === generation) this.ready(data as HelloResult, resume);
      });
    } catch (err) {
      if (this.link.generation !== generation || this.current === 'closed') return;
      const e = toError(err);
      if (e.code === 'SB_ERR_CONNECTION_CLOSED') return; // the link reports the loss itself
      if (AUTH_RETRY.has(e.code) && !claim && this.handle) {
        // The session is gone (expired, or the server lost it): claim the handle again.
        this.session = null;
        return this.hello(generation, true);
      }
      // A JWT that expired on its way: the reconnect asks getToken() for a fresh one.
      if (e.retryable || (e.code === 'SB_ERR_JWT_EXPIRED' && this.options.getToken))
        return this.link.drop(1000, e.code);
      return this.finish(1000, e.code, e);
    }
  }

  private ready(hello: HelloResult, resumed: ResumePosition[]): void {
    this.me = hello.user;
    this.handle = hello.user;
    this.userSettings = { ...hello.settings };
    this.session = hello.token ?? null;
    this.link.established(hello.pingInterval);
    const { removed, replay } = this.book.applyHello(hello.channels);
    this.onlineUsers.clear();
    for (const u of hello.online)
      if (u.connections > 0) this.onlineUsers.set(u.user, u.connections);
    this.setState('ready');
    this.emit('ready', hello);
    for (const channel of removed) this.emit('channelRemoved', channel);
    const listed = resumed.map((p) => p.channel).filter((c) => this.book.states.has(c));
    this.sync.begin(listed, replay);
    this.first?.resolve(hello);
    this.outbox.resume({ rateLimit: hello.rateLimit, rateBurst: hello.rateBurst });
  }

  /** The socket is gone (closed, errored, or silent). Reconnect unless the code is final. */
  private lost(code: number, reason: string): void {
    if (this.current === 'closed') return;
    this.outbox.suspend();
    if (!shouldReconnect(code)) {
      const err = isErrorCode(reason)
        ? new SwitchboardError(reason)
        : new SwitchboardError('SB_ERR_CONNECTION_CLOSED', `closed with ${code}`);
      return this.finish(code, reason, err);
    }
    this.sync.stop();
    this.setState('reconnecting');
    this.emit('closed', { code, reason, reconnect: true });
    this.link.scheduleReconnect();
  }

  private finish(code: number, reason: string, err: SwitchboardError): void {
    this.link.shutdown(1000, code === 1000 ? reason : '');
    this.sync.stop();
    this.setState('closed');
    this.outbox.close(err);
    if (this.first) {
      this.first.promise.catch(() => {});
      this.first.reject(err);
    }
    this.emit('closed', { code, reason, reconnect: false, error: err });
  }

  private setState(state: ClientState): void {
    if (this.current === state) return;
    this.current = state;
    this.emit('state', state);
  }

  // --- inbound ---------------------------------------------------------------------------------

  private dispatch(f: ServerFrame): void {
    switch (f.type) {
      case 'reply':
        this.link.requests.resolve(f.id, f.data);
        return;
      case 'error': {
        const err = toError(f);
        if (f.id !== undefined && this.link.requests.reject(f.id, err)) return;
        // A replay the server could not do: retried by ChannelSync, reported here once.
        if (f.id === undefined && f.channel !== undefined) this.sync.failed(f.channel, err);
        this.emit('error', err);
        return;
      }
      case 'message':
        this.deliver(f);
        return;
      case 'synced': {
        const { type: _type, ...result } = f;
        this.sync.end(result);
        return;
      }
      case 'presence':
        for (const u of f.users) {
          if (u.connections > 0) this.onlineUsers.set(u.user, u.connections);
          else this.onlineUsers.delete(u.user);
        }
        this.emit('presence', f.users);
        return;
      case 'member': {
        const { type: _type, ...ev } = f;
        // Our own leave on another device, or a kick or ban; a join arrives as a 'channel' frame.
        if (ev.user === this.me && !ev.joined) this.removeChannel(roomChannel(ev.room));
        this.emit('member', ev);
        return;
      }
      case 'room-presence': {
        const { type: _type, ...ev } = f;
        this.emit('roomPresence', ev);
        return;
      }
      case 'report': {
        const { type: _type, ...report } = f;
        this.emit('report', report);
        return;
      }
      case 'typing':
        this.emit('typing', { channel: f.channel, user: f.user });
        return;
      case 'thread': {
        const { type: _type, ...event } = f;
        this.emit('thread', event);
        return;
      }
      case 'read': {
        if (f.thread !== undefined) {
          this.emit('thread', { channel: f.channel, root: f.thread, seq: f.seq, unread: f.unread });
          return;
        }
        const state = this.book.read(f.channel, f.seq, f.unread, f.mentions);
        this.emit('read', {
          channel: f.channel,
          seq: f.seq,
          unread: f.unread,
          mentions: f.mentions,
        });
        if (state) this.emit('channel', state);
        return;
      }
      case 'mention': {
        const { type: _type, ...event } = f;
        // An @room/@here of my own comes back to me on the channel: not a mention of me.
        if (event.from !== this.me) this.emit('mention', event);
        return;
      }
      case 'receipt': {
        const { type: _type, ...event } = f;
        this.emit('receipt', event);
        return;
      }
      case 'settings': {
        const { type: _type, ...settings } = f;
        this.userSettings = settings;
        this.emit('settings', settings);
        return;
      }
      case 'channel': {
        const { type: _type, ...state } = f;
        this.emit('channel', this.book.merge(state));
        return;
      }
      case 'ping':
        this.link.post('{"type":"pong"}');
        return;
      case 'expiring':
        if (this.options.getToken) void this.refresh(this.options.getToken);
        return;
      case 'role': {
        const { type: _type, ...event } = f;
        this.emit('role', event);
        return;
      }
      case 'moderated': {
        const { type: _type, ...event } = f;
        this.emit('moderated', event);
        return;
      }
      case 'room': {
        const { type: _type, ...event } = f;
        const state = this.book.room(event, roomChannel(event.room));
        this.emit('room', event);
        if (state) this.emit('channel', state);
        return;
      }
    }
  }

  /** Emits a message once, whether it came as a frame, a replay or our own send reply. */
  private deliver(m: ChatMessage): void {
    if (!this.sync.accept(m)) this.emitMessage(m);
  }

  private emitMessage(m: ChatMessage): void {
    const state = this.book.message(m, this.me);
    if (!state) return;
    const { channel, from: by, ts } = m;
    if (m.deletes !== undefined) this.emit('delete', { channel, seq: m.deletes, by, ts });
    else if (m.edits !== undefined)
      this.emit('edit', { channel, seq: m.edits, text: m.text, by, ts });
    else if (m.previews !== undefined) {
      if (m.preview) this.emit('preview', { channel, seq: m.previews, preview: m.preview, ts });
    } else if (m.reacts !== undefined || m.unreacts !== undefined)
      this.emit('reaction', {
        channel,
        seq: (m.reacts ?? m.unreacts)!,
        emoji: m.emoji ?? '',
        user: by,
        on: m.reacts !== undefined,
        ts,
      });
    else this.emit('message', m);
    this.emit('channel', state);
  }

  /** Everything up to r.seq has arrived (a `synced` frame or a `resume` reply). */
  private synced(r: SyncedEvent): void {
    this.book.synced(r.channel, r.seq);
    this.emit('synced', r);
  }

  private removeChannel(channel: string): void {
    this.sync.forget(channel);
    if (this.book.remove(channel)) this.emit('channelRemoved', channel);
  }

  /**
   * Swaps a fresh JWT from getToken() in on the live connection: channels, sends and replays go
   * on undisturbed. A failure is emitted as 'error'; the server closes 4004 at expiry and the
   * reconnect asks getToken() again.
   */
  private async refresh(getToken: () => string | Promise<string>): Promise<void> {
    try {
      await this.command({ type: 'refresh', jwt: await getToken() });
    } catch (err) {
      const e = toError(err);
      // Dropped meanwhile: the reconnect asks getToken() anyway.
      if (e.code !== 'SB_ERR_CONNECTION_CLOSED') this.emit('error', e);
    }
  }

  // --- requests --------------------------------------------------------------------------------

  /**
   * Sends any client frame (without `id`) and resolves with its reply's data; rejects with the
   * error frame as a SwitchboardError, or SB_ERR_CONNECTION_CLOSED unless ready. A reply that
   * carries a stored log entry (`{message}`: a `delete`) is delivered like one, since the server
   * sends it to its author only there. For the commands without a method here, see
   * `switchboard/client/moderation`.
   */
  async command<T = unknown>(frame: CommandFrame): Promise<T> {
    if (this.current !== 'ready')
      throw new SwitchboardError('SB_ERR_CONNECTION_CLOSED', `not connected (${this.current})`);
    const data = (await this.link.rpc(frame)) as { message?: ChatMessage } | null;
    if (data?.message?.type === 'message') this.deliver(data.message);
    return data as T;
  }

  /**
   * Sends a room message or DM through the outbox: queued while disconnected or paused, retried
   * with the same cid, so it is stored exactly once. Resolves with the stored message; rejects
   * on a non-retryable error, and the message then stays in `pending()` as 'failed'.
   * Also lets the next typing() for that channel through at once.
   */
  send(target: SendTarget, text: string, options: SendOptions = {}): Promise<ChatMessage> {
    if (this.current === 'closed')
      return Promise.reject(new SwitchboardError('SB_ERR_CONNECTION_CLOSED', 'client is closed'));
    const me = this.me ?? this.handle;
    this.typingSent.delete(
      'room' in target
        ? roomChannel(target.room.toLowerCase())
        : dmChannel(me ?? '', target.to.toLowerCase()),
    );
    return this.outbox.add(target, text, options);
  }

  /** Sends a 'failed' outbox message again with its cid. False when there is no such message. */
  retrySend(cid: string): boolean {
    return this.current !== 'closed' && this.outbox.retry(cid);
  }

  /** Removes a 'failed' message from the outbox. False when there is no such message. */
  discardSend(cid: string): boolean {
    return this.outbox.discard(cid);
  }

  sendToRoom(room: string, text: string, options?: SendOptions): Promise<ChatMessage> {
    return this.send({ room }, text, options);
  }

  sendDm(user: string, text: string, options?: SendOptions): Promise<ChatMessage> {
    return this.send({ to: user }, text, options);
  }

  /** Creates a room of `kind` (default public; a private room is invite only) as its owner. */
  async createRoom(room: string, kind?: RoomKind): Promise<ChannelState> {
    return this.joined(await this.command<ChannelState>({ type: 'create', room, kind }));
  }

  async joinRoom(room: string): Promise<ChannelState> {
    return this.joined(await this.command<ChannelState>({ type: 'join', room }));
  }

  async leaveRoom(room: string): Promise<void> {
    await this.command({ type: 'leave', room });
    this.removeChannel(roomChannel(room));
  }

  /** The open rooms you can see; the archived ones with `archived: true`. */
  async listRooms(query: { archived?: boolean } = {}): Promise<RoomInfo[]> {
    return (await this.command<{ rooms: RoomInfo[] }>({ type: 'rooms', ...query })).rooms;
  }

  /**
   * One page of a room's members in handle order (the first, of at most 1000, by default); see
   * `roomMembers` for the count and the cursor of the next page.
   */
  async members(room: string, page: MembersPage = {}): Promise<MemberInfo[]> {
    return (await this.command<{ members: MemberInfo[] }>({ type: 'members', room, ...page }))
      .members;
  }

  async users(): Promise<OnlineUser[]> {
    return (await this.command<{ users: OnlineUser[] }>({ type: 'users' })).users;
  }

  history(channel: string, options: HistoryOptions = {}): Promise<HistoryResult> {
    return this.command<HistoryResult>({ type: 'history', channel, ...options });
  }

  /**
   * Tells the channel we are typing; at most one frame per channel per 3 s (extra calls resolve
   * at once), and again right after a send to that channel.
   */
  async typing(channel: string): Promise<void> {
    const now = Date.now();
    if (now - (this.typingSent.get(channel) ?? -Infinity) < TYPING_THROTTLE) return;
    this.typingSent.set(channel, now);
    await this.command({ type: 'typing', channel });
  }

  /** My settings (read receipts shared or not), as of the last hello or change. */
  get settings(): UserSettings {
    return { ...this.userSettings };
  }

  /**
   * Turns my read receipts on or off on every device: off, my read position is not shown to
   * others and I see no one's.
   */
  async setReceipts(on: boolean): Promise<UserSettings> {
    this.userSettings = await this.command<UserSettings>({ type: 'settings', receipts: on });
    this.emit('settings', this.settings);
    return this.settings;
  }

  /**
   * The other members' read positions ("seen by") in a DM or a small room; `off` when my own
   * receipts are off. Ask again after a reconnect: receipts are state, the `receipt` events
   * follow the changes from then on.
   */
  receipts(channel: string): Promise<ReceiptsResult> {
    return this.command<ReceiptsResult>({ type: 'receipts', channel });
  }

  async markRead(channel: string, seq: number): Promise<ChannelState> {
    const state = this.book.merge(await this.command<ChannelState>({ type: 'read', channel, seq }));
    this.emit('channel', state);
    return state;
  }

  private joined(state: ChannelState): ChannelState {
    const merged = this.book.merge(state);
    this.emit('channel', merged);
    return merged;
  }
}
