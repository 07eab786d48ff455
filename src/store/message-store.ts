/**
 * The message log seam: per-channel, sequenced, idempotent appends and paged reads.
 *
 * Guarantees every implementation gives (checked by test/store/conformance.ts):
 * - `append` assigns per-channel sequence numbers that are gapless and strictly increasing,
 *   starting at 1, even with concurrent writers in several processes sharing the store.
 * - `append` is idempotent per (channel, from, cid): a repeat returns the stored message with
 *   `duplicate: true` and assigns no sequence number, even when the repeats race.
 * - Messages are durable once `append` resolves (within the backend's durability setting).
 * - Retention may drop the oldest messages of a channel; `head().firstSeq` then moves forward.
 *   Sequence numbers are never reused.
 * - Backend failures reject with a SwitchboardError (SB_ERR_STORE_UNAVAILABLE) whose `cause` is
 *   the driver error.
 */
import type { LinkPreview } from '../protocol/link-preview.js';
import { isMessageEntry } from '../protocol/log-entry.js';
import type { MentionAll } from '../protocol/mentions.js';
import type { Attachment } from '../protocol/frames.js';
import type { ChannelKind } from './channel-store.js';

export type { Attachment };

/**
 * What a log entry may change in an earlier message of its channel (its target, by seq). An
 * entry with none of these is a message.
 * - `deletes`: the target is deleted: its text, the texts of its edits, its reactions and its
 *   attachments are erased from the store in the same transaction (really gone), leaving a
 *   tombstone (`deleted`); the core then erases the attachments' blobs and upload records.
 *   The entry's own `text` is empty; `from` is who deleted it.
 * - `edits`: the target's text becomes this entry's `text` (`edited` is set to its `ts`), and
 *   its mentions this entry's `mentions` / `mentionsAll`; the text it replaces stays among the
 *   target's versions (`versions`) until a delete. A delete erases its mentions too.
 * - `previews`: the target gets this entry's `preview` (its first link's preview); a message
 *   has at most one. A delete erases both the target's and this entry's preview.
 * - `reacts` / `unreacts`: `from` adds or takes back the reaction `emoji` on the target.
 */
export interface LogEvent {
  deletes?: number;
  edits?: number;
  reacts?: number;
  unreacts?: number;
  previews?: number;
  /** The reaction of `reacts` / `unreacts`. */
  emoji?: string;
  /** The preview of `previews`. */
  preview?: LinkPreview;
}

export interface StoredMessage extends LogEvent {
  channel: string;
  seq: number;
  cid: string;
  from: string;
  text: string;
  /** Milliseconds since the epoch, assigned by the server. */
  ts: number;
  /** A message whose text was edited: when it last was. */
  edited?: number;
  /** A message that was deleted: its text is '' (a tombstone keeping its seq). */
  deleted?: true;
  /** A message that answers an earlier message of the channel (its seq). */
  replyTo?: number;
  /** Who the message (its current text) mentions, by handle: members of the channel only. */
  mentions?: string[];
  /** `@room` or `@here` in the message's current text. */
  mentionsAll?: MentionAll;
  /** A message's files (their uploads); erased with the message (`deletes`). */
  attachments?: Attachment[];
  /** A message in the thread under this root (a top-level message of the channel, by seq). */
  thread?: number;
  /** A thread message that the room's main timeline shows too. */
  alsoToRoom?: true;
}

/** One text a message has had: the original at its `ts`, then each edit at the edit's `ts`. */
export interface MessageVersion {
  text: string;
  ts: number;
}

export interface NewMessage extends LogEvent {
  channel: string;
  cid: string;
  from: string;
  text: string;
  ts: number;
  /** A message that answers an earlier message of the channel (checked by the core). */
  replyTo?: number;
  /**
   * The handles the text mentions (decided by the core). On an edit event: the target's
   * mentions become these (absent: none), like its text.
   */
  mentions?: string[];
  /** `@room` / `@here` in the text; on an edit event it replaces the target's. */
  mentionsAll?: MentionAll;
  /** Files, already claimed for this message by the core (UploadStore.attach). */
  attachments?: Attachment[];
  /** A message in the thread under this root (checked by the core). */
  thread?: number;
  /** A thread message shown in the main timeline too. */
  alsoToRoom?: true;
}

export type { MentionAll };

/** The reactions of one message as a viewer sees them. */
export interface ReactionSummary {
  emoji: string;
  count: number;
  /** Whether the viewer is among those who reacted. */
  me: boolean;
  /** The first few (REACTION_NAMES) who reacted, earliest first. */
  users: string[];
}

/** Distinct reactions one message may carry; one more is SB_ERR_REACTION_LIMIT. */
export const MAX_DISTINCT_REACTIONS = 20;
/** How many names a ReactionSummary lists. */
export const REACTION_NAMES = 3;

/** `m` without its undefined fields (an append's result has only the fields that are set). */
export function withoutUndefined<T extends object>(m: T): T {
  // A loop, not fromEntries(entries().filter()): it runs on every append.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(m)) {
    const v = (m as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}

/** Whether an entry is a message (not an event on another one). */
export const isMessage: (m: LogEvent) => boolean = isMessageEntry;

export interface AppendOptions {
  /**
   * The sender's read position moves up to the new message in the same transaction (never
   * back), as setReadSeq would: a sender reads what they send. Nothing moves for a duplicate
   * or when the sender is not a member. Default false.
   */
  markRead?: boolean;
  /**
   * Opens the channel first, in the append's own transaction, as
   * createChannel(channel, kind, from, ts, members) would: created when missing, each of
   * `members` added when not a member yet (a new DM member floored at the lastSeq before the
   * append). An append that rejects leaves none of it: a first DM and its conversation are one
   * write, or nothing. Default: none (the channel must exist).
   */
  open?: AppendOpen;
  /**
   * A DM's two checks (Store.dmRecipient) in the append's own write, so a DM to a conversation
   * already open takes one round trip to the store, not two: the append is refused with
   * SB_ERR_BLOCKED when `recipient` blocks the sender, else with SB_ERR_NOT_A_MEMBER when
   * `recipient` is no member of the channel, and nothing is stored either way. Checked before
   * the duplicate check, as the two reads before the append were. A message's only (an event
   * ignores it), and not with `open` (the opening adds the members). Default: none.
   */
  recipient?: string;
}

/** What AppendOptions.open creates. */
export interface AppendOpen {
  kind: ChannelKind;
  members: readonly string[];
}

export interface AppendResult {
  message: StoredMessage;
  duplicate: boolean;
  /** With `markRead`: the sender's read position after the append; absent when none moved. */
  readSeq?: number;
  /** With `open`: whether the channel was created by this append. */
  created?: boolean;
}

export interface ChannelHead {
  /** Highest sequence number assigned; 0 for an empty channel. */
  lastSeq: number;
  /** Oldest retained sequence number; lastSeq + 1 when nothing is retained. */
  firstSeq: number;
}

export interface ReadQuery {
  /** Only messages, no events (history: messages in their current state). Default false. */
  messagesOnly?: boolean;
  /** Only the messages of the thread under this root (implies messagesOnly). */
  thread?: number;
  /**
   * Only the main timeline: leaves out thread messages not sent `alsoToRoom` (implies
   * messagesOnly). Default false.
   */
  mainTimeline?: boolean;
  /** Messages with seq > after, oldest first. */
  after?: number;
  /** Messages with seq < before, the newest `limit` of them, returned oldest first. */
  before?: number;
  limit: number;
}

export interface MessageStore {
  /**
   * Store a message or an event in an existing channel. Rejects SB_ERR_CHANNEL_INVALID for no
   * such channel. An event applies its change (LogEvent) in the same transaction, or appends
   * nothing and rejects: SB_ERR_MESSAGE_NOT_FOUND when its target is not a message of the
   * channel or was deleted; for a reaction also SB_ERR_REACTION_EXISTS (reacts, already there),
   * SB_ERR_REACTION_NOT_FOUND (unreacts, not there) and SB_ERR_REACTION_LIMIT (a new emoji past
   * MAX_DISTINCT_REACTIONS); for a preview SB_ERR_MESSAGE_NOT_FOUND also when the target has
   * one already. A repeated (channel, from, cid) is a duplicate before any of these.
   */
  append(message: NewMessage, options?: AppendOptions): Promise<AppendResult>;
  /**
   * The reactions on messages `seqs` of the channel, as `viewer` sees them (absent: none), each
   * message's emoji in the order of their earliest current reaction.
   */
  reactions(
    channel: string,
    seqs: number[],
    viewer: string,
  ): Promise<Map<number, ReactionSummary[]>>;
  /**
   * Every text message `seq` of the channel has had, oldest first: the original, then each
   * edit's (the last is the current text). Empty when it is not a retained message or was
   * deleted (a delete erases the versions with the text).
   */
  versions(channel: string, seq: number): Promise<MessageVersion[]>;
  /** A page of messages in ascending seq order. With neither bound: the newest `limit`. */
  read(channel: string, query: ReadQuery): Promise<StoredMessage[]>;
  /**
   * How many messages (not events) of the main timeline (no thread message unless sent
   * `alsoToRoom`) the channel has with after < seq <= upTo, counting at most `cap` of them: the
   * unread count of a read position.
   */
  countMessages(channel: string, after: number, upTo: number, cap: number): Promise<number>;
  /**
   * How many live messages (not events, not deleted) with after < seq <= upTo mention `user`:
   * by handle, or by `@room`/`@here` when someone else sent them. Counts at most `cap`.
   */
  countMentions(
    channel: string,
    user: string,
    after: number,
    upTo: number,
    cap: number,
  ): Promise<number>;
  /** Position of a channel, or null when it does not exist. */
  head(channel: string): Promise<ChannelHead | null>;
}
