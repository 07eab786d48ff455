/**
 * The storage seam: messages, channels and memberships, sessions.
 *
 * Guarantees every implementation gives (checked by test/store/conformance.ts):
 * - `append` assigns per-channel sequence numbers that are gapless and strictly increasing,
 *   starting at 1, even with concurrent writers in several processes sharing the store.
 * - `append` is idempotent per (channel, from, cid): a repeat returns the stored message with
 *   `duplicate: true` and assigns no sequence number.
 * - Messages are durable once `append` resolves (within the backend's durability setting).
 * - Retention may drop the oldest messages of a channel; `head().firstSeq` then moves forward.
 *   Sequence numbers are never reused.
 * - Backend failures reject with a SwitchboardError (SB_ERR_STORE_UNAVAILABLE) whose `cause` is
 *   the driver error.
 */

export interface StoredMessage {
  channel: string;
  seq: number;
  cid: string;
  from: string;
  text: string;
  /** Milliseconds since the epoch, assigned by the server. */
  ts: number;
}

export interface NewMessage {
  channel: string;
  cid: string;
  from: string;
  text: string;
  ts: number;
}

export interface AppendResult {
  message: StoredMessage;
  duplicate: boolean;
}

export interface ChannelHead {
  /** Highest sequence number assigned; 0 for an empty channel. */
  lastSeq: number;
  /** Oldest retained sequence number; lastSeq + 1 when nothing is retained. */
  firstSeq: number;
}

export interface ReadQuery {
  /** Messages with seq > after, oldest first. */
  after?: number;
  /** Messages with seq < before, the newest `limit` of them, returned oldest first. */
  before?: number;
  limit: number;
}

export interface MessageStore {
  /** Store a message in an existing channel. Rejects SB_ERR_CHANNEL_INVALID for no such channel. */
  append(message: NewMessage): Promise<AppendResult>;
  /** A page of messages in ascending seq order. With neither bound: the newest `limit`. */
  read(channel: string, query: ReadQuery): Promise<StoredMessage[]>;
  /** Position of a channel, or null when it does not exist. */
  head(channel: string): Promise<ChannelHead | null>;
}

export type ChannelKind = 'room' | 'dm';

export interface RoomSummary {
  room: string;
  members: number;
  lastSeq: number;
}

export interface Membership {
  channel: string;
  kind: ChannelKind;
  lastSeq: number;
  firstSeq: number;
  readSeq: number;
  /** Messages with seq <= floorSeq are invisible to this member (see MemberPosition). */
  floorSeq: number;
}

/**
 * A member's positions in one channel. `floorSeq`: the member may not see messages with
 * seq <= floorSeq. A DM member's floor is the channel's lastSeq when they were added (0 for a
 * new conversation), so a reclaimed handle re-added to an old DM does not see the conversation
 * of the handle's previous owner. Room members always have floor 0 (room history is public).
 */
export interface MemberPosition {
  readSeq: number;
  floorSeq: number;
}

export interface ChannelStore {
  /** Create a channel; resolves false when it already exists. */
  createChannel(
    channel: string,
    kind: ChannelKind,
    createdBy: string,
    ts: number,
  ): Promise<boolean>;
  listRooms(): Promise<RoomSummary[]>;
  /**
   * Add a member; resolves false when already a member. New members start read at lastSeq;
   * a new DM member's floorSeq is lastSeq too, a room member's is 0.
   */
  addMember(channel: string, user: string): Promise<boolean>;
  /** Remove a member; resolves false when not a member. */
  removeMember(channel: string, user: string): Promise<boolean>;
  isMember(channel: string, user: string): Promise<boolean>;
  /** The user's positions in the channel, or null when not a member (or no such channel). */
  membership(channel: string, user: string): Promise<MemberPosition | null>;
  /** Remove every membership (rooms and DMs) of the user: the handle now names someone new. */
  forgetUser(user: string): Promise<void>;
  members(channel: string): Promise<string[]>;
  /** Every channel (rooms and DMs) the user belongs to, with positions. */
  memberships(user: string): Promise<Membership[]>;
  /** Move the read position forward (never back); resolves the resulting position. */
  setReadSeq(channel: string, user: string, seq: number): Promise<number>;
}

export interface Session {
  handle: string;
  /** SHA-256 of the token, hex; the token itself is never stored. */
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
}

export interface SessionStore {
  sessionByTokenHash(tokenHash: string): Promise<Session | null>;
  sessionByHandle(handle: string): Promise<Session | null>;
  /** Insert or replace the session of `session.handle`. */
  saveSession(session: Session): Promise<void>;
  /**
   * Atomically take `session.handle` if it has no session or its session expired at `now`;
   * resolves false (and changes nothing) when someone else holds it. Even across processes.
   */
  claimSession(session: Session, now: number): Promise<boolean>;
}

/** What the server needs from storage. One backend implements all three parts. */
export interface Store extends MessageStore, ChannelStore, SessionStore {
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Messages kept per channel; older ones are pruned. 0 keeps everything. Default 0. */
  retainPerChannel?: number;
}
