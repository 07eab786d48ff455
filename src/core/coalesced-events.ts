/**
 * Events that are sent coalesced on the presence interval rather than at once: member joins and
 * leaves (per room, to the room's subscribers) and presence changes (to every connection that
 * asked for presence).
 *
 * Member events go only to rooms of at most memberEventsLimit members: telling every member of a
 * huge room about every join is quadratic (15,000 new users in general would be ~10^8 frames).
 * Per room and user only the last change of an interval goes out: a user who left and rejoined
 * within it must not hear their own stale leave on the connection that rejoined (clients take an
 * own leave as the room being gone; their own devices hear of a real one directly).
 *
 * Read receipts go out once per RECEIPT_INTERVAL_MS, only the latest position of each reader in
 * each channel: a burst of reads (scrolling, several devices) is one frame per reader a second.
 */
import type { Directory } from './directory.js';

/** How often coalesced read receipts go out (ms). */
export const RECEIPT_INTERVAL_MS = 1000;

export interface PendingReceipt {
  channel: string;
  user: string;
  seq: number;
}

export class CoalescedEvents {
  /** Per room, the latest member event of each user (Map order: first change first). */
  private members = new Map<string, Map<string, string>>();
  private readonly presence = new Map<string, number>();
  /** `${channel}\n${user}` → the reader's latest position since the last receipt flush. */
  private receipts = new Map<string, PendingReceipt>();

  constructor(
    private readonly directory: Directory,
    private readonly memberEventsLimit: number,
  ) {}

  /**
   * Someone joined or left a room (here or on another node); called after RoomPresence counted
   * it, so `members` includes it.
   */
  member(room: string, user: string, joined: boolean): void {
    const channel = `room:${room}`;
    const ch = this.directory.channels.get(channel);
    if (!ch || ch.members > this.memberEventsLimit) return;
    const json = JSON.stringify({ type: 'member', room, user, joined });
    const latest = this.members.get(channel);
    if (latest) latest.set(user, json);
    else this.members.set(channel, new Map([[user, json]]));
  }

  /** A reader's position moved (this node's reads only; other nodes coalesce their own). */
  receipt(channel: string, user: string, seq: number): void {
    const key = `${channel}\n${user}`;
    const known = this.receipts.get(key);
    if (!known || known.seq < seq) this.receipts.set(key, { channel, user, seq });
  }

  /** The receipts gathered since the last call, for `send` to deliver and publish. */
  flushReceipts(send: (r: PendingReceipt) => void): void {
    if (this.receipts.size === 0) return;
    const pending = this.receipts;
    this.receipts = new Map();
    for (const r of pending.values()) send(r);
  }

  /** A user's cluster-wide connection count changed. */
  presenceChanged(user: string, connections: number): void {
    this.presence.set(user, connections);
  }

  flush(): void {
    if (this.members.size > 0) {
      const events = this.members;
      this.members = new Map();
      for (const [id, list] of events) {
        const ch = this.directory.channels.get(id);
        if (ch) for (const json of list.values()) ch.event(json, null);
      }
    }
    if (this.presence.size > 0) {
      const users = [...this.presence].map(([user, connections]) => ({ user, connections }));
      this.presence.clear();
      const frame = Buffer.from(JSON.stringify({ type: 'presence', users }));
      for (const conn of this.directory.connections)
        if (conn.user && conn.presence) conn.push(frame);
    }
  }
}
