/**
 * A room's members and how many of them are online, on a node where the room is active (issue
 * #10 §4, big rooms). Every node with the room active applies the same join and leave events
 * (its own, and the `member` envelopes of the others on the room's topic) and the same presence
 * transitions (the Presence seam's cluster-wide totals), so every node holds the same counts.
 *
 * Invariant: `online` = |members ∩ online users|, where the online users are the node's view
 * of presence (`isOnline`), kept in step by calling `presence` after every transition of it.
 * Joins, leaves and presence transitions cost O(1); only `load` (activation, bus resync) reads
 * the whole member list.
 *
 * Events that arrive before the first load (the room's topic is subscribed before the store is
 * read) are kept and applied after it, in order: add and delete are idempotent, so an event the
 * store read already reflects changes nothing.
 */
export class RoomTally {
  private readonly members = new Set<string>();
  private early: [user: string, joined: boolean][] | null = [];
  /** Members online cluster-wide. */
  online = 0;

  constructor(private readonly isOnline: (user: string) => boolean) {}

  /** Whether the store was read (until then the counts are 0). */
  get loaded(): boolean {
    return this.early === null;
  }

  /** Members cluster-wide. */
  get size(): number {
    return this.members.size;
  }

  /** A store read begins: events from now on wait for its `load`. */
  reading(): void {
    this.early ??= [];
  }

  /** The store read failed: apply the events that waited for it to the members known. */
  unread(): void {
    this.load([...this.members]);
  }

  /** Replaces the members with the store's list, then applies the events that came meanwhile. */
  load(users: readonly string[]): void {
    this.members.clear();
    for (const u of users) this.members.add(u);
    const early = this.early ?? [];
    this.early = null;
    for (const [user, joined] of early) {
      if (joined) this.members.add(user);
      else this.members.delete(user);
    }
    this.online = 0;
    for (const u of this.members) if (this.isOnline(u)) this.online++;
  }

  /** Someone joined or left (here or on another node); true when the counts changed. */
  member(user: string, joined: boolean): boolean {
    if (this.early) {
      this.early.push([user, joined]);
      return false;
    }
    if (joined === this.members.has(user)) return false;
    if (joined) this.members.add(user);
    else this.members.delete(user);
    if (this.isOnline(user)) this.online += joined ? 1 : -1;
    return true;
  }

  /** `user` came online or went offline cluster-wide; true when the counts changed. */
  presence(user: string, online: boolean): boolean {
    if (this.early || !this.members.has(user)) return false;
    this.online += online ? 1 : -1;
    return true;
  }
}
