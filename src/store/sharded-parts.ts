/**
 * The sub-stores of ShardedStore (./sharded.ts) that mix per-channel and cross-channel calls:
 * moderation, threads and uploads. The layout table in ./sharded.ts says which call goes where.
 */
import type { AccountStore } from '../auth/account-store.js';
import type { SessionStore } from '../auth/session-store.js';
import {
  SERVER_SCOPE,
  type AuditEntry,
  type ModerationStore,
  type Restriction,
  type RestrictionKind,
  type RoomAccess,
  type RoomRole,
  type RoomSettings,
} from './moderation-store.js';
import type { Store } from './store.js';
import type { ThreadFollow, ThreadStore, ThreadSummary } from './thread-store.js';
import type { UploadRecord, UploadStore } from './upload-store.js';

/** What ShardedStore needs of each database: a whole store (PostgresStore in production). */
export type Shard = Store & SessionStore & { readonly accounts: AccountStore };

/** The shard that holds a channel. */
export type ShardFor = (channel: string) => Shard;

/** The shards' results of one call, in shard order. */
export const everyShard = <T>(shards: readonly Shard[], fn: (s: Shard) => Promise<T>) =>
  Promise.all(shards.map(fn));

/** Code-unit order, for merging lists each shard returned sorted. */
export const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Room settings and restrictions by the room's shard; server scope, blocks and audit at home. */
export class ShardedModeration implements ModerationStore {
  readonly #home: ModerationStore;

  constructor(
    private readonly shards: readonly Shard[],
    private readonly of: ShardFor,
  ) {
    this.#home = shards[0]!.moderation;
  }

  /** Where restrictions of `scope` live: a room's on its shard, server-wide ones at home. */
  #scope(scope: string): ModerationStore {
    return scope === SERVER_SCOPE ? this.#home : this.of(scope).moderation;
  }

  access(channel: string, user: string, now: number): Promise<RoomAccess | null> {
    return this.of(channel).moderation.access(channel, user, now);
  }
  setRoomSettings(channel: string, s: RoomSettings): Promise<boolean> {
    return this.of(channel).moderation.setRoomSettings(channel, s);
  }
  setArchived(channel: string, archived: boolean): Promise<boolean> {
    return this.of(channel).moderation.setArchived(channel, archived);
  }
  async hiddenRooms(user: string): Promise<string[]> {
    const all = await everyShard(this.shards, (s) => s.moderation.hiddenRooms(user));
    return all.flat().sort(compare);
  }
  setRole(channel: string, user: string, role: RoomRole): Promise<boolean> {
    return this.of(channel).moderation.setRole(channel, user, role);
  }
  restrict(r: Restriction): Promise<void> {
    return this.#scope(r.scope).restrict(r);
  }
  lift(scope: string, user: string, kind: RestrictionKind): Promise<boolean> {
    return this.#scope(scope).lift(scope, user, kind);
  }
  restriction(scope: string, user: string, kind: RestrictionKind, now: number) {
    return this.#scope(scope).restriction(scope, user, kind, now);
  }
  lastSentAt(channel: string, user: string): Promise<number | null> {
    return this.of(channel).moderation.lastSentAt(channel, user);
  }
  setBlock(user: string, other: string, blocked: boolean): Promise<boolean> {
    return this.#home.setBlock(user, other, blocked);
  }
  isBlocked(user: string, other: string): Promise<boolean> {
    return this.#home.isBlocked(user, other);
  }
  appendAudit(e: Omit<AuditEntry, 'id'>): Promise<number> {
    return this.#home.appendAudit(e);
  }
  audit(scope: string, query: { before?: number; limit: number }): Promise<AuditEntry[]> {
    return this.#home.audit(scope, query);
  }
  auditEntry(id: number): Promise<AuditEntry | null> {
    return this.#home.auditEntry(id);
  }
}

/** A thread lives with its channel; a user's follows are gathered from every shard. */
export class ShardedThreads implements ThreadStore {
  constructor(
    private readonly shards: readonly Shard[],
    private readonly of: ShardFor,
  ) {}

  follow(channel: string, root: number, user: string, readSeq: number): Promise<boolean> {
    return this.of(channel).threads.follow(channel, root, user, readSeq);
  }
  unfollow(channel: string, root: number, user: string): Promise<boolean> {
    return this.of(channel).threads.unfollow(channel, root, user);
  }
  followers(channel: string, root: number): Promise<{ user: string; readSeq: number }[]> {
    return this.of(channel).threads.followers(channel, root);
  }
  async followed(user: string, channel?: string): Promise<ThreadFollow[]> {
    if (channel !== undefined) return this.of(channel).threads.followed(user, channel);
    const all = (await everyShard(this.shards, (s) => s.threads.followed(user))).flat();
    return all.sort((a, b) => compare(a.channel, b.channel) || a.root - b.root);
  }
  setRead(channel: string, root: number, user: string, seq: number): Promise<number | null> {
    return this.of(channel).threads.setRead(channel, root, user, seq);
  }
  summaries(channel: string, roots: number[]): Promise<Map<number, ThreadSummary>> {
    return this.of(channel).threads.summaries(channel, roots);
  }
  countAfter(channel: string, root: number, after: number, cap: number): Promise<number> {
    return this.of(channel).threads.countAfter(channel, root, after, cap);
  }
}

/**
 * An upload lives with the channel it was uploaded to, so a claim is one statement on one
 * database; calls that name only an id or an owner ask every shard.
 */
export class ShardedUploads implements UploadStore {
  constructor(
    private readonly shards: readonly Shard[],
    private readonly of: ShardFor,
  ) {}

  addUpload(u: UploadRecord): Promise<void> {
    return this.of(u.channel).uploads.addUpload(u);
  }
  async upload(id: string): Promise<UploadRecord | null> {
    const found = await everyShard(this.shards, (s) => s.uploads.upload(id));
    return found.find((u) => u !== null) ?? null;
  }
  claimUploads(ids: string[], owner: string, channel: string, cid: string) {
    return this.of(channel).uploads.claimUploads(ids, owner, channel, cid);
  }
  async releaseUploads(ids: string[], cid: string): Promise<void> {
    await everyShard(this.shards, (s) => s.uploads.releaseUploads(ids, cid));
  }
  async removeUpload(id: string): Promise<void> {
    await everyShard(this.shards, (s) => s.uploads.removeUpload(id));
  }
  async uploadUsage(owner: string): Promise<number> {
    const bytes = await everyShard(this.shards, (s) => s.uploads.uploadUsage(owner));
    return bytes.reduce((a, b) => a + b, 0);
  }
  /** Each shard's oldest, merged oldest first (ties: lower shard first), cut to `limit`. */
  async unclaimedUploads(before: number, limit: number): Promise<UploadRecord[]> {
    const all = (await everyShard(this.shards, (s) => s.uploads.unclaimedUploads(before, limit)))
      .flat()
      .sort((a, b) => a.createdAt - b.createdAt);
    return all.slice(0, limit);
  }
}
