/**
 * The `room-presence` frame (issue #10 §4): per room, its member count and how many members are
 * online, cluster-wide, at most once per ROOM_PRESENCE_INTERVAL_MS and only when something
 * changed, to the room's subscribers here. Rooms of at most memberEventsLimit members also list
 * who joined and who left meanwhile (the last change of each user); bigger rooms get the counts
 * only, so a join costs every watcher nothing until the next flush whatever the room's size.
 *
 * The counts live in each active room's RoomTally; this class feeds it the node's view of who
 * is online (`online`, from the Presence handler) and collects which rooms changed.
 */
import type { Directory } from './directory.js';

/** How often a room's presence frame may go out (ms): the one frame a second. */
export const ROOM_PRESENCE_INTERVAL_MS = 1000;

export class RoomPresence {
  /**
   * Rooms whose counts changed since the last flush, with the joins and leaves to list (null:
   * the room grew past memberEventsLimit meanwhile, counts only).
   */
  private changed = new Map<string, Map<string, boolean> | null>();

  constructor(
    private readonly directory: Pick<Directory, 'channels'>,
    /** Users online cluster-wide, as the Presence handler reported them (RoomTally reads it). */
    private readonly online: Set<string>,
    private readonly memberEventsLimit: number,
  ) {}

  /** Someone joined or left room channel `id` (here or on another node). */
  member(id: string, user: string, joined: boolean): void {
    const tally = this.directory.channels.get(id)?.tally;
    if (!tally) return;
    // Announced even when the counts already held it (the store read at activation saw the
    // join): the joining connection has not heard the counts yet.
    tally.member(user, joined);
    let list = this.changed.get(id);
    if (list === undefined) this.changed.set(id, (list = new Map()));
    if (tally.size > this.memberEventsLimit) this.changed.set(id, null);
    else list?.set(user, joined);
  }

  /**
   * A user's cluster-wide connection count changed. Costs one set lookup per room active here
   * when the user comes online or goes offline, nothing otherwise.
   */
  presenceChanged(user: string, connections: number): void {
    const on = connections > 0;
    if (on === this.online.has(user)) return;
    if (on) this.online.add(user);
    else this.online.delete(user);
    for (const ch of this.directory.channels.values())
      if (ch.tally?.presence(user, on)) this.touch(ch.id);
  }

  /** Counts may have changed wholesale (a store reload): send them at the next flush. */
  touch(id: string): void {
    if (!this.changed.has(id)) this.changed.set(id, new Map());
  }

  flush(): void {
    if (this.changed.size === 0) return;
    const changed = this.changed;
    this.changed = new Map();
    for (const [id, list] of changed) {
      const ch = this.directory.channels.get(id);
      if (!ch?.tally) continue;
      const joined: string[] = [];
      const left: string[] = [];
      if (list && ch.tally.size <= this.memberEventsLimit)
        for (const [user, j] of list) (j ? joined : left).push(user);
      const frame = {
        type: 'room-presence',
        room: id.slice(5),
        members: ch.tally.size,
        online: ch.tally.online,
        ...(joined.length > 0 ? { joined } : {}),
        ...(left.length > 0 ? { left } : {}),
      };
      ch.event(JSON.stringify(frame), null);
    }
  }
}
