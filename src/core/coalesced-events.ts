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
 */
import type { Directory } from './directory.js';

export class CoalescedEvents {
  /** Per room, the latest member event of each user (Map order: first change first). */
  private members = new Map<string, Map<string, string>>();
  private readonly presence = new Map<string, number>();

  constructor(
    private readonly directory: Directory,
    private readonly memberEventsLimit: number,
  ) {}

  /** Someone joined or left a room (here or on another node). */
  member(room: string, user: string, joined: boolean): void {
    const channel = `room:${room}`;
    const ch = this.directory.channels.get(channel);
    if (!ch) return;
    ch.members = Math.max(0, ch.members + (joined ? 1 : -1));
    if (ch.members > this.memberEventsLimit) return;
    const json = JSON.stringify({ type: 'member', room, user, joined });
    const latest = this.members.get(channel);
    if (latest) latest.set(user, json);
    else this.members.set(channel, new Map([[user, json]]));
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
