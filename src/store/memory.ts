import type { Session, SessionStore } from '../auth/session-store.js';
import { MemoryUploads } from './memory-uploads.js';
import type { AccountStore } from '../auth/account-store.js';
import { MemoryAccounts } from './memory-accounts.js';
import { MemoryApiKeys } from './memory-api-keys.js';
import { SwitchboardError } from '../errors.js';
import type {
  ChannelKind,
  MemberPosition,
  Membership,
  ReadPosition,
  RoomSummary,
} from './channel-store.js';
import {
  MAX_DISTINCT_REACTIONS,
  REACTION_NAMES,
  isMessage,
  withoutUndefined,
  type AppendOptions,
  type AppendResult,
  type ChannelHead,
  type MessageVersion,
  type NewMessage,
  type ReactionSummary,
  type ReadQuery,
  type StoredMessage,
} from './message-store.js';
import { MemoryModeration, type MemoryChannel } from './memory-moderation.js';
import { MemoryWebhooks } from './memory-webhooks.js';
import { summarize } from './rows.js';
import { MemoryPush } from './memory-push.js';
import { MemorySearch } from './memory-search.js';
import { MemoryThreads } from './memory-threads.js';
import type { SearchIndex } from './search-index.js';
import {
  dmRecipientApart,
  refuseDm,
  type DmRecipient,
  type Store,
  type StoreOptions,
} from './store.js';

interface Channel extends MemoryChannel {
  lastSeq: number;
  /** `${from}\n${cid}` → retained message, for idempotent appends. */
  byCid: Map<string, StoredMessage>;
  /** seq → its reactions, earliest first. */
  reactions: Map<number, { emoji: string; user: string; ts: number }[]>;
  /** seq → the original text of an edited message. */
  originals?: Map<number, string>;
}

/**
 * The reference Store and SessionStore: everything lives in this process's memory and is lost
 * on exit. Not shareable between processes.
 */
export class MemoryStore implements Store, SessionStore {
  readonly #retain: number;
  readonly #channels = new Map<string, Channel>();
  /** token hash → session. */
  readonly #sessions = new Map<string, Session>();
  /** handle → token hashes of its sessions. */
  readonly #tokensOf = new Map<string, Set<string>>();
  /** Users who turned read receipts off. */
  readonly #receiptsOff = new Set<string>();
  readonly moderation = new MemoryModeration(this.#channels);
  readonly uploads = new MemoryUploads();
  /** Thread follows and counts (./memory-threads.ts). */
  readonly threads = new MemoryThreads(this.#channels);
  readonly apiKeys = new MemoryApiKeys();
  readonly webhooks = new MemoryWebhooks();
  readonly #search = new MemorySearch();
  /** Full-text search over the messages (./memory-search.ts). */
  readonly search: SearchIndex = this.#search;
  /** Push subscriptions and notification settings (./memory-push.ts). */
  readonly push = new MemoryPush();
  /** Accounts and their device sessions; an account holds its handle among these sessions. */
  readonly accounts: AccountStore = new MemoryAccounts({
    sessions: this.#sessions,
    tokensOf: this.#tokensOf,
  });

  constructor(options: StoreOptions = {}) {
    this.#retain = options.retainPerChannel ?? 0;
  }

  #channel(channel: string): Channel {
    const ch = this.#channels.get(channel);
    if (!ch) throw new SwitchboardError('SB_ERR_CHANNEL_INVALID', `no such channel: ${channel}`);
    return ch;
  }

  async append(message: NewMessage, options: AppendOptions = {}): Promise<AppendResult> {
    const { open, recipient } = options;
    if (recipient !== undefined && !open && isMessage(message))
      refuseDm(await this.dmRecipient(message.channel, recipient, message.from));
    if (!open) return this.#append(message, options);
    const { channel } = message;
    const before = new Set(this.#channels.get(channel)?.members.keys());
    const created = this.#create(channel, open.kind);
    for (const user of open.members) this.#addMember(channel, user);
    try {
      return { ...this.#append(message, options), created };
    } catch (err) {
      // One write or nothing, as the other backends' transaction.
      const members = this.#channels.get(channel)!.members;
      if (created) this.#channels.delete(channel);
      else for (const user of open.members) if (!before.has(user)) members.delete(user);
      throw err;
    }
  }

  #append(message: NewMessage, options: AppendOptions): AppendResult {
    const ch = this.#channel(message.channel);
    const key = `${message.from}\n${message.cid}`;
    const existing = ch.byCid.get(key);
    if (existing) return { message: { ...existing }, duplicate: true };
    if (!isMessage(message)) applyEvent(ch, message);
    const stored: StoredMessage = withoutUndefined({ ...message, seq: ++ch.lastSeq });
    ch.messages.push(stored);
    ch.byCid.set(key, stored);
    this.#search.add(stored);
    while (this.#retain > 0 && ch.messages.length > this.#retain) {
      const dropped = ch.messages.shift()!;
      ch.byCid.delete(`${dropped.from}\n${dropped.cid}`);
      ch.reactions.delete(dropped.seq);
      ch.originals?.delete(dropped.seq);
      this.#search.remove(dropped.channel, dropped.seq);
    }
    const sender = options.markRead === true ? ch.members.get(message.from) : undefined;
    if (sender === undefined) return { message: { ...stored }, duplicate: false };
    sender.readSeq = Math.max(sender.readSeq, stored.seq);
    return { message: { ...stored }, duplicate: false, readSeq: sender.readSeq };
  }

  async reactions(
    channel: string,
    seqs: number[],
    viewer: string,
  ): Promise<Map<number, ReactionSummary[]>> {
    const of = this.#channels.get(channel)?.reactions;
    const rows = [...new Set(seqs)]
      .sort((a, b) => a - b)
      .flatMap((seq) =>
        [...(of?.get(seq) ?? [])]
          .sort((a, b) => a.ts - b.ts || (a.user < b.user ? -1 : 1))
          .map((r) => ({ seq, ...r })),
      );
    return summarize(rows, viewer, REACTION_NAMES);
  }

  async versions(channel: string, seq: number): Promise<MessageVersion[]> {
    const ch = this.#channels.get(channel);
    const first = ch?.messages[0]?.seq ?? 1;
    const m = ch?.messages[seq - first];
    if (!ch || !m || m.seq !== seq || !isMessage(m) || m.deleted) return [];
    const original = ch.originals?.get(seq);
    if (original === undefined) return [{ text: m.text, ts: m.ts }];
    const edits = ch.messages.filter((e) => e.edits === seq);
    return [{ text: original, ts: m.ts }, ...edits.map((e) => ({ text: e.text, ts: e.ts }))];
  }

  async read(channel: string, query: ReadQuery): Promise<StoredMessage[]> {
    const all = this.#channels.get(channel)?.messages ?? [];
    const limit = Math.max(0, query.limit);
    const after = query.after ?? 0;
    const before = query.before ?? Infinity;
    const only = query.messagesOnly || query.thread !== undefined || query.mainTimeline;
    const inRange = all.filter(
      (m) =>
        m.seq > after &&
        m.seq < before &&
        (!only || isMessage(m)) &&
        (query.thread === undefined || m.thread === query.thread) &&
        (!query.mainTimeline || inMainTimeline(m)),
    );
    const page =
      query.after !== undefined && query.before === undefined
        ? inRange.slice(0, limit)
        : inRange.slice(Math.max(0, inRange.length - limit));
    return page.map((m) => ({ ...m }));
  }

  async countMessages(channel: string, after: number, upTo: number, cap: number): Promise<number> {
    let n = 0;
    for (const m of this.#channels.get(channel)?.messages ?? []) {
      if (m.seq > upTo || n >= cap) break;
      if (m.seq > after && isMessage(m) && inMainTimeline(m)) n++;
    }
    return n;
  }

  async countMentions(
    channel: string,
    user: string,
    after: number,
    upTo: number,
    cap: number,
  ): Promise<number> {
    let n = 0;
    for (const m of this.#channels.get(channel)?.messages ?? []) {
      if (m.seq > upTo || n >= cap) break;
      if (m.seq > after && isMessage(m) && !m.deleted && mentionsUser(m, user)) n++;
    }
    return n;
  }

  async head(channel: string): Promise<ChannelHead | null> {
    const ch = this.#channels.get(channel);
    if (!ch) return null;
    return { lastSeq: ch.lastSeq, firstSeq: ch.messages[0]?.seq ?? ch.lastSeq + 1 };
  }

  async createChannel(
    channel: string,
    kind: ChannelKind,
    _createdBy?: string,
    _ts?: number,
    members: readonly string[] = [],
  ): Promise<boolean> {
    const created = this.#create(channel, kind);
    for (const user of members) await this.addMember(channel, user);
    return created;
  }

  #create(channel: string, kind: ChannelKind): boolean {
    if (this.#channels.has(channel)) return false;
    this.#channels.set(channel, {
      kind,
      roomKind: 'public',
      slowMode: 0,
      topic: '',
      archived: false,
      lastSeq: 0,
      messages: [],
      byCid: new Map(),
      reactions: new Map(),
      members: new Map(),
    });
    return true;
  }

  async listRooms(): Promise<RoomSummary[]> {
    const rooms: RoomSummary[] = [];
    for (const [id, ch] of this.#channels) {
      if (ch.kind !== 'room') continue;
      rooms.push({
        room: id.slice('room:'.length),
        members: ch.members.size,
        lastSeq: ch.lastSeq,
        topic: ch.topic,
        archived: ch.archived,
      });
    }
    return rooms.sort((a, b) => (a.room < b.room ? -1 : 1));
  }

  async addMember(channel: string, user: string): Promise<boolean> {
    return this.#addMember(channel, user);
  }

  #addMember(channel: string, user: string): boolean {
    const ch = this.#channel(channel);
    if (ch.members.has(user)) return false;
    ch.members.set(user, {
      readSeq: ch.lastSeq,
      floorSeq: ch.kind === 'dm' ? ch.lastSeq : 0,
      role: 'member',
    });
    return true;
  }

  async removeMember(channel: string, user: string): Promise<boolean> {
    return this.#channels.get(channel)?.members.delete(user) ?? false;
  }

  async isMember(channel: string, user: string): Promise<boolean> {
    return this.#channels.get(channel)?.members.has(user) ?? false;
  }

  async membership(channel: string, user: string): Promise<MemberPosition | null> {
    const m = this.#channels.get(channel)?.members.get(user);
    return m ? { readSeq: m.readSeq, floorSeq: m.floorSeq } : null;
  }

  async dmRecipient(channel: string, recipient: string, sender: string): Promise<DmRecipient> {
    return dmRecipientApart(this, this.moderation, channel, recipient, sender);
  }

  async forgetUser(user: string): Promise<void> {
    for (const ch of this.#channels.values()) ch.members.delete(user);
    this.#receiptsOff.delete(user);
    this.threads.forgetUser(user);
  }

  async readPositions(channel: string): Promise<ReadPosition[]> {
    const members = this.#channels.get(channel)?.members;
    return [...(members ?? [])]
      .map(([user, m]) => ({ user, readSeq: m.readSeq, receipts: !this.#receiptsOff.has(user) }))
      .sort((a, b) => (a.user < b.user ? -1 : 1));
  }

  async receiptsEnabled(user: string): Promise<boolean> {
    return !this.#receiptsOff.has(user);
  }

  async setReceiptsEnabled(user: string, enabled: boolean): Promise<void> {
    if (enabled) this.#receiptsOff.delete(user);
    else this.#receiptsOff.add(user);
  }

  async members(channel: string): Promise<string[]> {
    return [...(this.#channels.get(channel)?.members.keys() ?? [])].sort();
  }

  async membersPage(channel: string, after: string | null, limit: number): Promise<string[]> {
    const all = await this.members(channel);
    return all.filter((u) => after === null || u > after).slice(0, limit);
  }

  async memberCount(channel: string): Promise<number> {
    return this.#channels.get(channel)?.members.size ?? 0;
  }

  async memberships(user: string): Promise<Membership[]> {
    const out: Membership[] = [];
    for (const [channel, ch] of this.#channels) {
      const m = ch.members.get(user);
      if (m === undefined) continue;
      const { lastSeq, firstSeq } = (await this.head(channel))!;
      out.push({
        channel,
        kind: ch.kind,
        lastSeq,
        firstSeq,
        readSeq: m.readSeq,
        floorSeq: m.floorSeq,
        topic: ch.topic,
        archived: ch.archived,
      });
    }
    return out.sort((a, b) => (a.channel < b.channel ? -1 : 1));
  }

  async setReadSeq(channel: string, user: string, seq: number): Promise<number> {
    const ch = this.#channel(channel);
    const current = ch.members.get(user);
    if (current === undefined) throw new SwitchboardError('SB_ERR_NOT_A_MEMBER');
    const next = Math.max(current.readSeq, Math.min(seq, ch.lastSeq));
    current.readSeq = next;
    return next;
  }

  async sessionByTokenHash(tokenHash: string): Promise<Session | null> {
    const s = this.#sessions.get(tokenHash);
    return s ? { ...s } : null;
  }

  async sessionsByHandle(handle: string): Promise<Session[]> {
    const hashes = [...(this.#tokensOf.get(handle) ?? [])];
    return hashes
      .map((h) => ({ ...this.#sessions.get(h)! }))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async claimSession(session: Session, now: number): Promise<boolean> {
    const held = this.#tokensOf.get(session.handle) ?? new Set<string>();
    if ([...held].some((h) => this.#sessions.get(h)!.expiresAt > now)) return false;
    for (const h of held) this.#sessions.delete(h);
    this.#sessions.set(session.tokenHash, { ...session });
    this.#tokensOf.set(session.handle, new Set([session.tokenHash]));
    return true;
  }

  async setSessionExpiry(tokenHash: string, expiresAt: number): Promise<boolean> {
    const s = this.#sessions.get(tokenHash);
    if (s) s.expiresAt = expiresAt;
    return s !== undefined;
  }

  async close(): Promise<void> {}
}

/** Whether a message mentions `user`: by handle, or everyone when someone else sent it. */
const mentionsUser = (m: StoredMessage, user: string): boolean =>
  (m.mentions?.includes(user) ?? false) || (m.mentionsAll !== undefined && m.from !== user);
/** Not a thread message, or one sent to the room too (ReadQuery.mainTimeline). */
const inMainTimeline = (m: StoredMessage): boolean =>
  m.thread === undefined || m.alsoToRoom === true;

/** Applies an event's change to its target (message-store.ts LogEvent), or throws. */
function applyEvent(ch: Channel, e: NewMessage): void {
  const seq = e.deletes ?? e.edits ?? e.reacts ?? e.unreacts ?? e.previews!;
  const first = ch.messages[0]?.seq ?? 1;
  const target = ch.messages[seq - first];
  if (!target || target.seq !== seq || !isMessage(target) || target.deleted)
    throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND');
  if (e.deletes !== undefined) {
    target.text = '';
    target.deleted = true;
    delete target.edited;
    delete target.mentions;
    delete target.mentionsAll;
    delete target.preview;
    delete target.attachments;
    for (const m of ch.messages) if (m.edits === seq) m.text = '';
    for (const m of ch.messages) if (m.previews === seq) delete m.preview;
    ch.reactions.delete(seq);
    ch.originals?.delete(seq);
  } else if (e.previews !== undefined) {
    if (target.preview) throw new SwitchboardError('SB_ERR_MESSAGE_NOT_FOUND', 'has a preview');
    target.preview = e.preview;
  } else if (e.edits !== undefined) {
    ch.originals ??= new Map();
    if (!ch.originals.has(seq)) ch.originals.set(seq, target.text);
    target.text = e.text;
    target.edited = e.ts;
    delete target.mentions;
    delete target.mentionsAll;
    if (e.mentions) target.mentions = [...e.mentions];
    if (e.mentionsAll) target.mentionsAll = e.mentionsAll;
  } else {
    const all = ch.reactions.get(seq) ?? [];
    const mine = all.findIndex((r) => r.emoji === e.emoji && r.user === e.from);
    if (e.reacts !== undefined) {
      if (mine >= 0) throw new SwitchboardError('SB_ERR_REACTION_EXISTS');
      const kinds = new Set(all.map((r) => r.emoji));
      if (!kinds.has(e.emoji!) && kinds.size >= MAX_DISTINCT_REACTIONS)
        throw new SwitchboardError('SB_ERR_REACTION_LIMIT');
      ch.reactions.set(seq, [...all, { emoji: e.emoji!, user: e.from, ts: e.ts }]);
    } else {
      if (mine < 0) throw new SwitchboardError('SB_ERR_REACTION_NOT_FOUND');
      ch.reactions.set(
        seq,
        all.filter((_, i) => i !== mine),
      );
    }
  }
}
