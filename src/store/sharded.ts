import type { AccountStore } from '../auth/account-store.js';
import type { Session, SessionStore } from '../auth/session-store.js';
import { SwitchboardError } from '../errors.js';
import type {
  ChannelKind,
  MemberPosition,
  Membership,
  ReadPosition,
  RoomSummary,
} from './channel-store.js';
import type {
  AppendOptions,
  AppendResult,
  ChannelHead,
  MessageVersion,
  NewMessage,
  ReactionSummary,
  ReadQuery,
  StoredMessage,
} from './message-store.js';
import type { PostgresStore } from './postgres.js';
import {
  ShardedModeration,
  ShardedThreads,
  ShardedUploads,
  compare,
  everyShard,
  type Shard,
} from './sharded-parts.js';
import { ShardedSearch } from './sharded-search.js';
import { shardOf } from './shard-of.js';
import { dmRecipientApart, isMessage, refuseDm, type DmRecipient, type Store } from './store.js';

/**
 * One Store over several databases (issue 10 §6): each channel lives wholly in one of them,
 * `shardOf(channel, n)` (./shard-of.ts), and everything that is not a channel's lives in the
 * first, the home shard. Which call goes where:
 *
 * | What                                                          | Where                          |
 * | ------------------------------------------------------------- | ------------------------------ |
 * | messages, reactions, versions, head, members, read positions  | the channel's shard            |
 * | room kind and settings, roles, room bans/mutes, lastSentAt    | the channel's shard            |
 * | threads of a channel (follow, read, summaries, counts)        | the channel's shard            |
 * | uploads (add, claim), keyed by their channel                  | the channel's shard            |
 * | sessions, accounts, device sessions, OIDC links               | home                           |
 * | blocks, server-wide restrictions (scope ''), the audit log    | home                           |
 * | API keys and calls, push, webhooks, VAPID keys                | home                           |
 * | receipts setting                                              | every shard, read from home    |
 * | memberships, hidden rooms, followed threads, listRooms        | every shard, merged            |
 * | upload by id, release, remove, usage, unclaimed               | every shard, merged            |
 * | forgetUser                                                    | every shard                    |
 * | search                                                        | the channels' shards, by ts    |
 *
 * The receipts setting is written to every shard (home last, so a partial failure leaves the
 * read value unchanged and a retry completes it) because each shard's readPositions joins it
 * with that channel's members in one statement.
 *
 * A call spanning shards is not atomic between them; each shard's part keeps its own
 * guarantees. Search hits of different shards are merged newest first by `ts` (equal times:
 * lower shard first), since the order messages were stored is known only within one database.
 */
export class ShardedStore implements Store, SessionStore {
  readonly #shards: readonly Shard[];
  readonly #home: Shard;
  readonly moderation: ShardedModeration;
  readonly threads: ShardedThreads;
  readonly uploads: ShardedUploads;
  readonly search: ShardedSearch;
  readonly accounts: AccountStore;
  readonly apiKeys: Store['apiKeys'];
  readonly push: Store['push'];
  readonly webhooks: Store['webhooks'];

  constructor(shards: readonly Shard[]) {
    if (shards.length === 0) throw new RangeError('a sharded store needs a shard');
    this.#shards = shards;
    this.#home = shards[0]!;
    const of = (channel: string) => this.shardFor(channel);
    this.moderation = new ShardedModeration(shards, of);
    this.threads = new ShardedThreads(shards, of);
    this.uploads = new ShardedUploads(shards, of);
    this.search = new ShardedSearch(shards, (channel) => shardOf(channel, shards.length));
    this.accounts = this.#home.accounts;
    this.apiKeys = this.#home.apiKeys;
    this.push = this.#home.push;
    this.webhooks = this.#home.webhooks;
  }

  /**
   * Opens one PostgresStore per url (the first is home), refusing a database listed twice
   * (SB_ERR_CONFIG_INVALID) and one recorded under another layout (SB_ERR_STORE_SHARD_MISMATCH,
   * before recording any); on any failure the databases already opened are closed again.
   */
  static async open(
    urls: readonly string[],
    open: (url: string) => Promise<PostgresStore>,
    describe: (url: string) => string = (url) => url,
  ): Promise<ShardedStore> {
    const seen = new Map<string, number>();
    for (const [i, url] of urls.entries()) {
      const key = databaseKey(url);
      const first = seen.get(key);
      if (first !== undefined)
        throw new SwitchboardError(
          'SB_ERR_CONFIG_INVALID',
          `store databases ${first + 1} and ${i + 1} are the same database (${describe(url)})`,
        );
      seen.set(key, i);
    }
    const opened = await Promise.allSettled(urls.map(open));
    const stores = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      const failed = opened.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const where = (i: number) => `store database ${i + 1} (${describe(urls[i]!)})`;
      const count = urls.length;
      // Every database checked before any is recorded: a refused list changes nothing.
      await Promise.all(stores.map((s, index) => s.checkLayout({ index, count }, where(index))));
      await Promise.all(stores.map((s, index) => s.recordLayout({ index, count }, where(index))));
    } catch (err) {
      await Promise.allSettled(stores.map((s) => s.close()));
      throw err;
    }
    return new ShardedStore(stores);
  }

  /** The shard holding `channel`. */
  shardFor(channel: string): Shard {
    return this.#shards[shardOf(channel, this.#shards.length)]!;
  }

  // --- the channel's shard -------------------------------------------------------------------
  /**
   * AppendOptions.recipient in the append's write when the conversation lives on the home shard
   * (with the blocks); on another shard, asked of both shards first, then appended without it.
   */
  async append(m: NewMessage, options: AppendOptions = {}): Promise<AppendResult> {
    const shard = this.shardFor(m.channel);
    const { recipient, ...rest } = options;
    if (recipient === undefined || shard === this.#home || options.open || !isMessage(m))
      return shard.append(m, options);
    refuseDm(await this.dmRecipient(m.channel, recipient, m.from));
    return shard.append(m, rest);
  }
  reactions(
    channel: string,
    seqs: number[],
    viewer: string,
  ): Promise<Map<number, ReactionSummary[]>> {
    return this.shardFor(channel).reactions(channel, seqs, viewer);
  }
  versions(channel: string, seq: number): Promise<MessageVersion[]> {
    return this.shardFor(channel).versions(channel, seq);
  }
  read(channel: string, query: ReadQuery): Promise<StoredMessage[]> {
    return this.shardFor(channel).read(channel, query);
  }
  countMessages(channel: string, after: number, upTo: number, cap: number): Promise<number> {
    return this.shardFor(channel).countMessages(channel, after, upTo, cap);
  }
  countMentions(
    channel: string,
    user: string,
    after: number,
    upTo: number,
    cap: number,
  ): Promise<number> {
    return this.shardFor(channel).countMentions(channel, user, after, upTo, cap);
  }
  head(channel: string): Promise<ChannelHead | null> {
    return this.shardFor(channel).head(channel);
  }
  createChannel(
    channel: string,
    kind: ChannelKind,
    createdBy: string,
    ts: number,
    members?: readonly string[],
  ) {
    return this.shardFor(channel).createChannel(channel, kind, createdBy, ts, members);
  }
  addMember(channel: string, user: string): Promise<boolean> {
    return this.shardFor(channel).addMember(channel, user);
  }
  removeMember(channel: string, user: string): Promise<boolean> {
    return this.shardFor(channel).removeMember(channel, user);
  }
  isMember(channel: string, user: string): Promise<boolean> {
    return this.shardFor(channel).isMember(channel, user);
  }
  membership(channel: string, user: string): Promise<MemberPosition | null> {
    return this.shardFor(channel).membership(channel, user);
  }
  /** One statement when the conversation lives on the home shard (with the blocks), else two. */
  async dmRecipient(channel: string, recipient: string, sender: string): Promise<DmRecipient> {
    const shard = this.shardFor(channel);
    if (shard === this.#home) return shard.dmRecipient(channel, recipient, sender);
    return dmRecipientApart(shard, this.moderation, channel, recipient, sender);
  }
  members(channel: string): Promise<string[]> {
    return this.shardFor(channel).members(channel);
  }
  membersPage(channel: string, after: string | null, limit: number): Promise<string[]> {
    return this.shardFor(channel).membersPage(channel, after, limit);
  }
  memberCount(channel: string): Promise<number> {
    return this.shardFor(channel).memberCount(channel);
  }
  setReadSeq(channel: string, user: string, seq: number): Promise<number> {
    return this.shardFor(channel).setReadSeq(channel, user, seq);
  }
  readPositions(channel: string): Promise<ReadPosition[]> {
    return this.shardFor(channel).readPositions(channel);
  }

  // --- every shard ---------------------------------------------------------------------------
  async listRooms(): Promise<RoomSummary[]> {
    const all = (await everyShard(this.#shards, (s) => s.listRooms())).flat();
    return all.sort((a, b) => compare(a.room, b.room));
  }
  async memberships(user: string): Promise<Membership[]> {
    const all = (await everyShard(this.#shards, (s) => s.memberships(user))).flat();
    return all.sort((a, b) => compare(a.channel, b.channel));
  }
  async forgetUser(user: string): Promise<void> {
    await everyShard(this.#shards, (s) => s.forgetUser(user));
  }
  receiptsEnabled(user: string): Promise<boolean> {
    return this.#home.receiptsEnabled(user);
  }
  async setReceiptsEnabled(user: string, enabled: boolean): Promise<void> {
    await everyShard(this.#shards.slice(1), (s) => s.setReceiptsEnabled(user, enabled));
    await this.#home.setReceiptsEnabled(user, enabled);
  }

  // --- home ----------------------------------------------------------------------------------
  sessionByTokenHash(tokenHash: string): Promise<Session | null> {
    return this.#home.sessionByTokenHash(tokenHash);
  }
  sessionsByHandle(handle: string): Promise<Session[]> {
    return this.#home.sessionsByHandle(handle);
  }
  claimSession(session: Session, now: number): Promise<boolean> {
    return this.#home.claimSession(session, now);
  }
  setSessionExpiry(tokenHash: string, expiresAt: number): Promise<boolean> {
    return this.#home.setSessionExpiry(tokenHash, expiresAt);
  }

  /** Closes every shard (each idempotent); rejects with the first failure after trying all. */
  async close(): Promise<void> {
    const results = await Promise.allSettled(this.#shards.map((s) => s.close()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/** host:port/database of a postgres url, so one database listed twice is recognised. */
function databaseKey(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname.toLowerCase()}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return url;
  }
}
