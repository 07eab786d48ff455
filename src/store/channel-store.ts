/**
 * The channel and membership seam: which channels exist, who belongs to each, and where each
 * member has read to.
 *
 * Guarantees every implementation gives (checked by test/store/conformance.ts):
 * - A channel is created once; channels are never deleted.
 * - A new member starts read at the channel's lastSeq, so older messages are not unread; a new
 *   DM member's floor is that lastSeq too (see MemberPosition).
 * - The read position only moves forward and never past the channel's lastSeq.
 * - Backend failures reject with a SwitchboardError (SB_ERR_STORE_UNAVAILABLE) whose `cause` is
 *   the driver error.
 */

export type ChannelKind = 'room' | 'dm';

export interface RoomSummary {
  room: string;
  members: number;
  lastSeq: number;
  /** '' when none. */
  topic: string;
  archived: boolean;
}

export interface Membership {
  channel: string;
  kind: ChannelKind;
  lastSeq: number;
  firstSeq: number;
  readSeq: number;
  /** Messages with seq <= floorSeq are invisible to this member (see MemberPosition). */
  floorSeq: number;
  /** A room's topic ('' when none; always '' for a DM), read with the membership. */
  topic: string;
  /** A room is archived (read-only); always false for a DM. */
  archived: boolean;
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
  /**
   * Create a channel; resolves false when it already exists. `members` (default none) join it
   * in the same transaction, as addMember would add them, also when it existed already: a new
   * conversation and its two people in one write.
   */
  createChannel(
    channel: string,
    kind: ChannelKind,
    createdBy: string,
    ts: number,
    members?: readonly string[],
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
  /**
   * Remove every membership (rooms and DMs), thread follow and setting of the user: the handle now names
   * someone new.
   */
  forgetUser(user: string): Promise<void>;
  /** Every member, by handle (ascending). O(members): for small channels and start-up only. */
  members(channel: string): Promise<string[]>;
  /**
   * Up to `limit` members with handles above `after` (null: from the first), ascending: one
   * page of a member list, read from the (channel, user) key, so its cost does not grow with
   * the room.
   */
  membersPage(channel: string, after: string | null, limit: number): Promise<string[]>;
  /** How many members the channel has (0 for an unknown channel). */
  memberCount(channel: string): Promise<number>;
  /** Every channel (rooms and DMs) the user belongs to, with positions and a room's look. */
  memberships(user: string): Promise<Membership[]>;
  /** Move the read position forward (never back); resolves the resulting position. */
  setReadSeq(channel: string, user: string, seq: number): Promise<number>;
  /**
   * Every member's read position in the channel and whether they share it (their receipts
   * setting), by user.
   */
  readPositions(channel: string): Promise<ReadPosition[]>;
  /** The user's receipts setting: true (the default) unless they turned it off. */
  receiptsEnabled(user: string): Promise<boolean>;
  /** Turn the user's read receipts on or off; kept until changed (forgetUser resets it). */
  setReceiptsEnabled(user: string, enabled: boolean): Promise<void>;
}

/** A member's read position as `receipts` shows it. */
export interface ReadPosition {
  user: string;
  readSeq: number;
  /** Whether the member shares read receipts. */
  receipts: boolean;
}
