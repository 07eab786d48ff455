/** Public types of the Switchboard client SDK. Imports nothing from Node. */
import type { ErrorCode, SwitchboardError } from '../errors.js';
import type {
  ChannelState,
  ChatMessage,
  ClientFrame,
  HelloResult,
  HistoryResult,
  MemberInfo,
  ModeratedEvent,
  OnlineUser,
  ReportEvent,
  RoleEvent,
  RoomEvent,
  RoomInfo,
  UserSettings,
} from '../protocol/frames.js';
import type { LinkPreview } from '../protocol/link-preview.js';

export type { LinkPreview };
export type {
  ChannelState,
  ChatMessage,
  HelloResult,
  HistoryResult,
  MemberInfo,
  OnlineUser,
  ReportEvent,
  RoomInfo,
};

/** A client frame as `command()` takes it: the SDK adds the `id`. */
export type CommandFrame = ClientFrame extends infer F
  ? F extends { id: unknown }
    ? Omit<F, 'id'>
    : never
  : never;

// Handlers are declared bivariant (the React typings trick) so that both the DOM WebSocket and
// the `ws` package's WebSocket, whose event types differ, satisfy WebSocketLike.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the WebSocket API the client uses; met by the browser's and by `ws`'s. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketCtor = new (url: string) => WebSocketLike;

/** Also paces the retries of a channel replay that failed (see SyncingEvent). */
export interface ReconnectOptions {
  /** First delay in ms (default 500). */
  minDelay?: number;
  /** Largest delay in ms (default 15000). */
  maxDelay?: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
  /** Fraction of the delay that is randomised away, 0-1 (default 0.5). */
  jitter?: number;
}

export interface ResumePosition {
  channel: string;
  after: number;
}

export interface ClientOptions {
  /** ws://host:port/ws */
  url: string;
  /** Handle to claim when there is no token (and again if the token is rejected). */
  handle?: string;
  /** Session token from an earlier hello; wins over handle. */
  token?: string;
  /**
   * Supplies a JWT from the operator's identity provider (a string or a promise of one): called
   * at every connect and reconnect, and when the server says the current one is `expiring`,
   * whose fresh token is swapped in on the live connection (`refresh`) without dropping channels.
   * Wins over token and handle. Default none.
   */
  getToken?: () => string | Promise<string>;
  /**
   * A fixed JWT, sent at every connect and reconnect; getToken wins over it. It cannot be
   * refreshed: the server ends the connection at its `exp` (4004) and the client then closes with
   * SB_ERR_JWT_EXPIRED; give getToken to go on past it. Wins over token and handle. Default none.
   */
  jwt?: string;
  /** WebSocket implementation (default globalThis.WebSocket); in Node 20 pass `ws`'s. */
  WebSocket?: WebSocketCtor;
  /** Receive cluster-wide presence events (default true). */
  presence?: boolean;
  /** Exponential backoff with jitter between reconnect attempts. */
  reconnect?: ReconnectOptions;
  /** Milliseconds before a request rejects with SB_ERR_TIMEOUT (default 10000). */
  requestTimeout?: number;
  /** Initial resume positions, e.g. restored from storage (default none). */
  positions?: ResumePosition[];
  /**
   * Outbox entries to restore, e.g. `pending()` saved by an earlier page (default none). They
   * are sent after the first hello with their own cids, so a message that did reach the server
   * before is not stored twice; their results arrive as 'message' events. Entries that were
   * 'failed' stay failed until retried. A malformed entry throws SB_ERR_CONFIG_INVALID.
   */
  outbox?: PendingSend[];
}

export type ClientState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'closed';

export type SendTarget = { room: string } | { to: string };

export interface SendOptions {
  /** Answer (quote) this earlier message of the same channel, by seq. */
  replyTo?: number;
  /** Upload ids (uploadFile) to attach: your own uploads to this channel. Text may be ''. */
  attachments?: string[];
  /** Post in the thread under this root (a top-level message of the channel), by seq. */
  thread?: number;
  /** With `thread`: show the message in the room's main timeline too. Default false. */
  alsoToRoom?: boolean;
}

/**
 * A message in the outbox, as `pending()` and the 'outbox' event show it. Plain data: it can be
 * stored as JSON and handed back as `ClientOptions.outbox`.
 */
export interface PendingSend {
  /** Client message id; every retry uses it, so the server stores the message once. */
  cid: string;
  target: SendTarget;
  text: string;
  /** The message this one answers (its seq in the target's channel). */
  replyTo?: number;
  /** Upload ids attached. */
  attachments?: string[];
  /** The thread it is posted in (its root's seq). */
  thread?: number;
  /** A thread message shown in the main timeline too. */
  alsoToRoom?: true;
  /** When send() was called (ms since the epoch). */
  createdAt: number;
  /**
   * 'queued': waiting for the connection, a pause after a retryable error, or its turn;
   * 'sending': on the wire; 'failed': refused for good (see `error`), kept until
   * `retrySend(cid)` or `discardSend(cid)`.
   */
  state: 'queued' | 'sending' | 'failed';
  /** Why the server refused it, when failed. */
  error?: { code: ErrorCode; message: string };
}

export interface SyncedEvent {
  channel: string;
  seq: number;
  truncated: boolean;
  firstSeq: number;
}

/**
 * A channel's messages are being replayed: the ones resumed by a reconnect's hello, a channel
 * that appeared while the client was away, or a replay that failed and will be retried. Until
 * the channel's `synced`, its messages are emitted only in seq order (later ones wait).
 */
export interface SyncingEvent {
  channel: string;
  /** The replay (or its next try) starts after this seq. */
  after: number;
  /** 0 when the replay starts; n after its n-th failure, when try n + 1 is scheduled. */
  attempt: number;
  /** Why the last try failed (attempt > 0), e.g. SB_ERR_STORE_UNAVAILABLE. */
  error?: SwitchboardError;
}

export interface ClosedEvent {
  code: number;
  reason: string;
  /** True when the client will reconnect by itself. */
  reconnect: boolean;
  /** Why the client stopped, on a final close. */
  error?: SwitchboardError;
}

export interface ClientEvents {
  state: ClientState;
  ready: HelloResult;
  message: ChatMessage;
  /** A channel's replay started or failed (and is retried); `synced` ends it. */
  syncing: SyncingEvent;
  /** A channel's replay ended: every message up to `seq` was emitted, live ones follow. */
  synced: SyncedEvent;
  presence: OnlineUser[];
  /**
   * Someone joined or left a room. With our own handle and `joined` false we are out of it (the
   * room is removed too): left on another device, or `removed` by a moderator ('kick', 'ban').
   */
  member: MemberEvent;
  /**
   * A room's member and online counts changed (cluster-wide; at most once a second per room),
   * with who joined and left meanwhile in rooms of at most --member-events-limit members.
   */
  roomPresence: RoomPresenceEvent;
  /** A message was deleted (a delete event in the channel's log): show a tombstone. */
  delete: DeleteEvent;
  /** A message was edited (an edit event): it now reads `text`. */
  edit: EditEvent;
  /** Someone reacted to a message, or took a reaction back (a reaction event). */
  reaction: ReactionEvent;
  /** A message got the preview of its first link (a link-preview event; --link-previews). */
  preview: PreviewEvent;
  /** A message was reported to us (a moderator of its room, or a server admin). */
  report: ReportEvent;
  typing: { channel: string; user: string };
  /** My read position moved on another device: the channel's unread and mention counts now. */
  read: { channel: string; seq: number; unread: number; mentions: number };
  /**
   * Someone mentioned me (on any device of mine); `all` for `@room` / `@here`. The message
   * arrives as usual; the channel's `mentions` count follows it.
   */
  mention: MentionEvent;
  /** A member's read position moved (read receipts; none while mine are off). */
  receipt: ReceiptEvent;
  /** My settings changed on another device. */
  settings: UserSettings;
  /**
   * A thread I follow got a message (`unread`: my count in it now), or my read position in a
   * thread moved on another device (`from` absent, `seq` the position).
   */
  thread: ThreadEvent;
  /** A channel was added or its state changed (join, create, new DM, unread change). */
  channel: ChannelState;
  channelRemoved: string;
  /** A member's role in one of my rooms changed. */
  role: RoleEvent;
  /**
   * One of my rooms changed (kind, slow mode, topic, archived; on any node): only what changed
   * is present. A topic or archived change is in the room's ChannelState too (`channel` follows).
   */
  room: RoomEvent;
  /** A moderator acted on me (kick, ban, mute, role...): before its effect. */
  moderated: ModeratedEvent;
  error: SwitchboardError;
  closed: ClosedEvent;
  /** The outbox changed (a send added, sent, failed, retried or discarded): the whole list. */
  outbox: PendingSend[];
}

export interface MentionEvent {
  channel: string;
  /** The message that mentions me. */
  seq: number;
  from: string;
  all?: 'room' | 'here';
}

export interface ReceiptEvent {
  channel: string;
  user: string;
  /** They have seen every message up to it. */
  seq: number;
}

export interface ThreadEvent {
  channel: string;
  /** The thread's root seq. */
  root: number;
  /** The new thread message, or (a read on another device) the new read position. */
  seq: number;
  /** Who posted; absent for a read position. */
  from?: string;
  ts?: number;
  unread: number;
}

export interface MemberEvent {
  room: string;
  user: string;
  joined: boolean;
  /** To the removed user only: a moderator kicked or banned them. */
  removed?: 'kick' | 'ban';
}

/** Which page of a member list: `after` is the previous page's `next`. */
export interface MembersPage {
  limit?: number;
  after?: string;
}

export interface RoomPresenceEvent {
  room: string;
  members: number;
  online: number;
  joined?: string[];
  left?: string[];
}

export interface DeleteEvent {
  channel: string;
  /** The deleted message. */
  seq: number;
  /** Who deleted it (its author, or a moderator). */
  by: string;
  ts: number;
}

export interface EditEvent {
  channel: string;
  /** The edited message. */
  seq: number;
  text: string;
  /** Its author. */
  by: string;
  ts: number;
}

export interface PreviewEvent {
  channel: string;
  /** The message the preview belongs to. */
  seq: number;
  preview: LinkPreview;
  ts: number;
}

export interface ReactionEvent {
  channel: string;
  /** The message reacted to. */
  seq: number;
  emoji: string;
  user: string;
  /** true: added; false: taken back. */
  on: boolean;
  ts: number;
}

export interface HistoryOptions {
  /** Messages with seq < before (scroll back). */
  before?: number;
  /** Messages with seq > after (catch up). */
  after?: number;
  /** Page size, 1-500 (server default 50). */
  limit?: number;
  /** Read the thread under this root instead of the main timeline (the result has `root`). */
  thread?: number;
}
