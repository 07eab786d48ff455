/**
 * Payloads the core exchanges between nodes over the Bus. The bus only moves the strings.
 *
 * Topics: `ch.<channel>` (room traffic, for nodes with local members), `u.<user>` (a user's
 * DMs, read positions and membership changes, for nodes where the user is connected).
 */
import type { CloseCodeValue } from '../protocol/close-codes.js';
import type { ReportEvent } from '../protocol/frames.js';
import type { StoredMessage } from '../store/store.js';

export type Envelope =
  /** A stored message of the channel. */
  | { k: 'msg'; m: StoredMessage }
  /** Someone typing in a channel. */
  | { k: 'typing'; c: string; u: string }
  /** Someone joined (j) or left a room. */
  | { k: 'member'; c: string; u: string; j: boolean }
  /**
   * The user's read position in a channel (in its thread under root t when given) moved; `m`:
   * unread mentions (absent: older node).
   */
  | { k: 'read'; c: string; s: number; n: number; m?: number; t?: number }
  /**
   * Read receipt: user u has read channel c up to s (on the channel's topic for a room, on the
   * other participant's for a DM; coalesced by the sending node).
   */
  | { k: 'receipt'; c: string; u: string; s: number }
  /** The user's receipts setting changed (on the user's topic). */
  | { k: 'settings'; r: boolean }
  /**
   * The user joined (j) or left channel c on another node: (un)subscribe local connections;
   * `r` when a moderator removed them (the `member` frame's `removed`). A join into a room says
   * the room's topic `t` and archived flag `a` for the `channel` frame (absent: an older node,
   * whose frame goes without them).
   */
  | { k: 'membership'; c: string; j: boolean; r?: 'kick' | 'ban'; t?: string; a?: boolean }
  /**
   * Close the user's connections (only those of session s when given) with close code `code`:
   * a revoked session, a server ban. Sent on the user's topic; applied by the sender too.
   */
  | { k: 'disconnect'; s?: string; code: CloseCodeValue }
  /** A frame for the local subscribers of channel c (a role change). */
  | { k: 'event'; c: string; f: string }
  /** A frame for the user's connections (on the user's topic): a moderation notice. */
  | { k: 'notice'; f: string }
  /** A message was reported (on REPORTS_TOPIC, which every node receives). */
  | { k: 'report'; r: ReportEvent }
  /**
   * A sign-in attempt another node let through its throttle (on LOGINS_TOPIC, which every node
   * with accounts receives): client address a and, for a login or a password change, account h.
   * Each node takes it from its own buckets too, so the throttle holds for the cluster, not per
   * node (src/auth/login-throttle.ts).
   */
  | { k: 'login'; a: string; h?: string }
  /**
   * Channel c holds messages up to seq s that the sender stored but could not publish (its bus
   * was lost): read what is missing from the store. On the channel's topic for a room, on the
   * users' topics for a DM.
   */
  | { k: 'head'; c: string; s: number };

/** Reports reach moderators and server admins wherever they are connected. */
export const REPORTS_TOPIC = 'reports';

/** Sign-in attempts, shared by every node's login throttle. */
export const LOGINS_TOPIC = 'logins';

export const channelTopic = (channel: string): string => `ch.${channel}`;
export const userTopic = (user: string): string => `u.${user}`;

export function encodeEnvelope(e: Envelope): string {
  return JSON.stringify(e);
}

/** Parses a payload from another node; null when it is not an envelope this version knows. */
export function decodeEnvelope(payload: string): Envelope | null {
  try {
    const e = JSON.parse(payload) as Envelope;
    return e && typeof e === 'object' && typeof e.k === 'string' ? e : null;
  } catch {
    return null;
  }
}
