/**
 * What a command handler may use: the seams it reads and writes, this node's directory of
 * connections and channels, the cluster link to tell other nodes, and the limits it enforces.
 * Commands depend on this narrow type, never on ChatCore.
 */
import type { Authenticator } from '../../auth/authenticator.js';
import type { CloseCodeValue } from '../../protocol/close-codes.js';
import type { ClientFrame, ReportEvent } from '../../protocol/frames.js';
import type { LinkPreview } from '../../protocol/link-preview.js';
import type { Presence } from '../../presence/presence.js';
import type { PushSender } from '../../push/push-sender.js';
import type { Store } from '../../store/store.js';
import type { ClientConnection } from '../connection.js';
import type { Directory } from '../directory.js';
import type { Envelope } from '../envelope.js';
import type { PushKind, PushMessage } from '../push-notifier.js';
import type { BeforeSend, EventSink } from '../event-sink.js';

export interface CommandLimits {
  maxMessageBytes: number;
  /** Seconds after sending in which a message may be edited; 0: no limit. */
  editWindow: number;
  /** Rooms with more members allow `@room` / `@here` to moderators and above only. */
  mentionAllMinMembers: number;
  /** Rooms with more members have no read receipts. */
  receiptsMaxMembers: number;
  pingInterval: number;
  rateLimit: number;
  rateBurst: number;
}

export interface CommandContext {
  readonly store: Store;
  readonly auth: Authenticator;
  readonly presence: Pick<Presence, 'count' | 'list'>;
  readonly directory: Directory;
  readonly limits: CommandLimits;
  /** Fetches a link's preview (src/net/link-previewer.ts); absent: link previews are off. */
  readonly linkPreview?: ((url: string) => Promise<LinkPreview | null>) | undefined;
  now(): number;
  /** Tell the other nodes (fire and forget; the store is the truth, the bus may lose it). */
  publish(topic: string, e: Envelope): void;
  /** Someone joined or left a room here: local member event, and tell the other nodes. */
  memberEvent(room: string, user: string, joined: boolean): void;
  /** A frame for everyone receiving `channel`, here and on every node (not on its log). */
  channelEvent(channel: string, frame: string): void;
  /** A frame for every connection of `user`, here and on every node. */
  notifyUser(user: string, frame: string): void;
  messageStored(kind: 'room' | 'dm'): void;
  /** The push seam, to check an endpoint a device registers; null with `--no-push`. */
  readonly pushSender: Pick<PushSender, 'accepts'> | null;
  /**
   * THE hook of push notifications: tell `user` about a stored message of `channel` if none of
   * their devices is connected anywhere and their settings want `kind` (./push-notifier.ts).
   * Call it once per (user, message) on the node that stored the message, after the append,
   * with the most specific kind (a mention in a thread reply: 'mention'). Never awaits, never
   * throws; a no-op with `--no-push`. DMs call it from send.ts; mentions and thread replies
   * are to call it the same way.
   */
  pushNotify(user: string, message: PushMessage, kind: PushKind): void;
  /** Closes the user's connections (of one session when given) on every node: see ChatCore. */
  disconnectUser(user: string, code: CloseCodeValue, session?: string): void;
  /**
   * User `user` read channel `channel` up to `seq` and shares receipts: a `receipt` frame goes to
   * the channel's members here and on every node, coalesced (see CoalescedEvents).
   */
  receipt(channel: string, user: string, seq: number): void;
  /** Webhook events: called where each change is decided (./event-sink.ts). */
  readonly events: EventSink;
  /** The operator's before-send hook, or null when none is configured. */
  readonly beforeSend: BeforeSend | null;
  /** Delivers a report to moderators here and on every node. */
  report(r: ReportEvent): void;
  /**
   * Erases uploads (their blobs, thumbnails and records) of a deleted message. Never rejects: the
   * message is gone already; a failure is logged and the blob left for the operator.
   */
  eraseUploads(ids: string[]): Promise<void>;
}

export type CommandType = Exclude<ClientFrame['type'], 'pong'>;
export type Frame<T extends CommandType> = Extract<ClientFrame, { type: T }>;

/** Resolves with the reply's `data` (or NO_REPLY) or rejects with a SwitchboardError. */
export type Handler<T extends CommandType> = (
  ctx: CommandContext,
  conn: ClientConnection,
  f: Frame<T>,
) => Promise<unknown>;
