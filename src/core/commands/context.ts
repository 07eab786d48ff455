/**
 * What a command handler may use: the seams it reads and writes, this node's directory of
 * connections and channels, the cluster link to tell other nodes, and the limits it enforces.
 * Commands depend on this narrow type, never on ChatCore.
 */
import type { Authenticator } from '../../auth/authenticator.js';
import type { CloseCodeValue } from '../../protocol/close-codes.js';
import type { ClientFrame, ReportEvent } from '../../protocol/frames.js';
import type { Presence } from '../../presence/presence.js';
import type { Store } from '../../store/store.js';
import type { ClientConnection } from '../connection.js';
import type { Directory } from '../directory.js';
import type { Envelope } from '../envelope.js';
import type { BeforeSend, EventSink } from '../event-sink.js';

export interface CommandLimits {
  maxMessageBytes: number;
  /** Seconds after sending in which a message may be edited; 0: no limit. */
  editWindow: number;
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
  /** Closes the user's connections (of one session when given) on every node: see ChatCore. */
  disconnectUser(user: string, code: CloseCodeValue, session?: string): void;
  /** Webhook events: called where each change is decided (./event-sink.ts). */
  readonly events: EventSink;
  /** The operator's before-send hook, or null when none is configured. */
  readonly beforeSend: BeforeSend | null;
  /** Delivers a report to moderators here and on every node. */
  report(r: ReportEvent): void;
}

export type CommandType = Exclude<ClientFrame['type'], 'pong'>;
export type Frame<T extends CommandType> = Extract<ClientFrame, { type: T }>;

/** Resolves with the reply's `data` (or NO_REPLY) or rejects with a SwitchboardError. */
export type Handler<T extends CommandType> = (
  ctx: CommandContext,
  conn: ClientConnection,
  f: Frame<T>,
) => Promise<unknown>;
