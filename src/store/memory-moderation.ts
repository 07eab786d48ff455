import type { ChannelKind, MemberPosition } from './channel-store.js';
import type { StoredMessage } from './message-store.js';
import type {
  AuditEntry,
  ModerationStore,
  Restriction,
  RestrictionKind,
  RoomAccess,
  RoomKind,
  RoomRole,
  RoomSettings,
} from './moderation-store.js';

/** What MemoryModeration reads and writes of a MemoryStore channel. */
export interface MemoryChannel {
  kind: ChannelKind;
  roomKind: RoomKind;
  slowMode: number;
  topic: string;
  archived: boolean;
  messages: StoredMessage[];
  members: Map<string, MemberPosition & { role: RoomRole }>;
}

const key = (scope: string, user: string, kind: RestrictionKind): string =>
  `${kind}\n${scope}\n${user}`;
const active = (r: Restriction | undefined, now: number): Restriction | null =>
  r && (r.until === null || r.until > now) ? { ...r } : null;

/** The ModerationStore of a MemoryStore: it shares the store's channel map. */
export class MemoryModeration implements ModerationStore {
  readonly #restrictions = new Map<string, Restriction>();
  readonly #blocks = new Set<string>();
  readonly #audit: AuditEntry[] = [];

  constructor(private readonly channels: Map<string, MemoryChannel>) {}

  async access(channel: string, user: string, now: number): Promise<RoomAccess | null> {
    const ch = this.channels.get(channel);
    if (!ch || ch.kind !== 'room') return null;
    return {
      kind: ch.roomKind,
      role: ch.members.get(user)?.role ?? null,
      slowMode: ch.slowMode,
      topic: ch.topic,
      archived: ch.archived,
      banned: active(this.#restrictions.get(key(channel, user, 'ban')), now) !== null,
      muted: active(this.#restrictions.get(key(channel, user, 'mute')), now) !== null,
    };
  }

  async setRoomSettings(channel: string, settings: RoomSettings): Promise<boolean> {
    const ch = this.channels.get(channel);
    if (!ch || ch.kind !== 'room') return false;
    if (settings.kind !== undefined) ch.roomKind = settings.kind;
    if (settings.slowMode !== undefined) ch.slowMode = settings.slowMode;
    if (settings.topic !== undefined) ch.topic = settings.topic;
    return true;
  }

  async setArchived(channel: string, archived: boolean): Promise<boolean> {
    const ch = this.channels.get(channel);
    if (!ch || ch.kind !== 'room' || ch.archived === archived) return false;
    ch.archived = archived;
    return true;
  }

  async hiddenRooms(user: string): Promise<string[]> {
    const out: string[] = [];
    for (const [id, ch] of this.channels)
      if (ch.kind === 'room' && ch.roomKind === 'private' && !ch.members.has(user)) out.push(id);
    return out.sort();
  }

  async setRole(channel: string, user: string, role: RoomRole): Promise<boolean> {
    const m = this.channels.get(channel)?.members.get(user);
    if (m) m.role = role;
    return m !== undefined;
  }

  async restrict(r: Restriction): Promise<void> {
    this.#restrictions.set(key(r.scope, r.user, r.kind), { ...r });
  }

  async lift(scope: string, user: string, kind: RestrictionKind): Promise<boolean> {
    return this.#restrictions.delete(key(scope, user, kind));
  }

  async restriction(
    scope: string,
    user: string,
    kind: RestrictionKind,
    now: number,
  ): Promise<Restriction | null> {
    return active(this.#restrictions.get(key(scope, user, kind)), now);
  }

  async lastSentAt(channel: string, user: string): Promise<number | null> {
    const messages = this.channels.get(channel)?.messages ?? [];
    for (let i = messages.length - 1; i >= 0; i--)
      if (messages[i]!.from === user) return messages[i]!.ts;
    return null;
  }

  async setBlock(user: string, other: string, blocked: boolean): Promise<boolean> {
    const k = `${user}\n${other}`;
    if (this.#blocks.has(k) === blocked) return false;
    if (blocked) this.#blocks.add(k);
    else this.#blocks.delete(k);
    return true;
  }

  async isBlocked(user: string, other: string): Promise<boolean> {
    return this.#blocks.has(`${user}\n${other}`);
  }

  async appendAudit(e: Omit<AuditEntry, 'id'>): Promise<number> {
    const id = this.#audit.length + 1;
    this.#audit.push({ ...e, id });
    return id;
  }

  async audit(scope: string, query: { before?: number; limit: number }): Promise<AuditEntry[]> {
    const before = query.before ?? Infinity;
    return this.#audit
      .filter((e) => e.scope === scope && e.id < before)
      .reverse()
      .slice(0, Math.max(0, query.limit))
      .map((e) => ({ ...e }));
  }

  async auditEntry(id: number): Promise<AuditEntry | null> {
    const e = this.#audit[id - 1];
    return e ? { ...e } : null;
  }
}
