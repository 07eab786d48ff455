/**
 * What the core needs from storage: the message log (./message-store.ts) and the channels with
 * their members (./channel-store.ts). Each seam states its own guarantees; the backends
 * (memory.ts, sqlite.ts, postgres.ts) implement both, and the session seam of
 * src/auth/session-store.ts in the same database.
 */
import { SwitchboardError } from '../errors.js';
import type { ApiKeyStore } from './api-key-store.js';
import type { ChannelStore, MemberPosition } from './channel-store.js';
import type { MessageStore } from './message-store.js';
import type { ModerationStore } from './moderation-store.js';
import type { PushStore } from './push-store.js';
import type { SearchIndex } from './search-index.js';
import type { UploadStore } from './upload-store.js';
import type { ThreadStore } from './thread-store.js';
import type { WebhookStore } from './webhook-store.js';

// One import path for the core: the seams' types, re-exported.
export type {
  ChannelKind,
  ChannelStore,
  MemberPosition,
  Membership,
  ReadPosition,
  RoomSummary,
} from './channel-store.js';
export type {
  AppendOpen,
  AppendOptions,
  AppendResult,
  ChannelHead,
  LogEvent,
  MentionAll,
  MessageStore,
  NewMessage,
  ReactionSummary,
  ReadQuery,
  StoredMessage,
} from './message-store.js';
export { MAX_DISTINCT_REACTIONS, isMessage } from './message-store.js';
export type {
  AuditEntry,
  ModerationStore,
  Restriction,
  RestrictionKind,
  RoomAccess,
  RoomSettings,
  RoomKind,
  RoomRole,
} from './moderation-store.js';
export { SERVER_SCOPE } from './moderation-store.js';
export type { ApiCall, ApiKey, ApiKeyStore, NewApiCall } from './api-key-store.js';
export type {
  ChannelNotifySettings,
  NotifyLevel,
  PushStore,
  PushSubscriptionRecord,
  UserNotifySettings,
  VapidKeys,
} from './push-store.js';
export { DEFAULT_NOTIFY, NOTIFY_LEVELS } from './push-store.js';
export type { SearchHit, SearchIndex, SearchPage, SearchQuery } from './search-index.js';
export type { UploadRecord, UploadStore } from './upload-store.js';
export type { Attachment } from './message-store.js';
export type { ThreadFollow, ThreadStore, ThreadSummary } from './thread-store.js';
export type {
  DeliveryAttempt,
  NewWebhookEvent,
  Subscription,
  SubscriptionPatch,
  SubscriptionState,
  WebhookEvent,
  WebhookStore,
} from './webhook-store.js';

/** Store.dmRecipient's answer. */
export interface DmRecipient {
  position: MemberPosition | null;
  blocked: boolean;
}

/**
 * Store.dmRecipient by the two reads it joins, asked at once: for a store whose channels and
 * blocks are not in one database (or not in a database at all).
 */
export async function dmRecipientApart(
  channels: Pick<ChannelStore, 'membership'>,
  moderation: Pick<ModerationStore, 'isBlocked'>,
  channel: string,
  recipient: string,
  sender: string,
): Promise<DmRecipient> {
  const [position, blocked] = await Promise.all([
    channels.membership(channel, recipient),
    moderation.isBlocked(recipient, sender),
  ]);
  return { position, blocked };
}

/**
 * AppendOptions.recipient's refusal, from what Store.dmRecipient answered: SB_ERR_BLOCKED when
 * the recipient blocks the sender, else SB_ERR_NOT_A_MEMBER when they are no member; nothing to
 * refuse otherwise.
 */
export function refuseDm(d: DmRecipient): void {
  if (d.blocked) throw new SwitchboardError('SB_ERR_BLOCKED');
  if (!d.position) throw new SwitchboardError('SB_ERR_NOT_A_MEMBER', 'the recipient is no member');
}

export interface Store extends MessageStore, ChannelStore {
  /** Room kinds, roles, bans, mutes, blocks and the audit log, in the same database. */
  readonly moderation: ModerationStore;
  /** Full-text search over the messages, kept in step with appends (./search-index.ts). */
  readonly search: SearchIndex;
  /** The uploaded files' records and which message claimed each (./upload-store.ts). */
  readonly uploads: UploadStore;
  /** Thread follows, thread read positions and thread counts (./thread-store.ts). */
  readonly threads: ThreadStore;
  /** HTTP API keys and the log of API calls, in the same database (./api-key-store.ts). */
  readonly apiKeys: ApiKeyStore;
  /** Push subscriptions, notification settings and the VAPID keys (./push-store.ts). */
  readonly push: PushStore;
  /** The webhook event log, subscriptions and delivery leases (./webhook-store.ts). */
  readonly webhooks: WebhookStore;
  /**
   * What a DM to `recipient` in their conversation `channel` with `sender` needs to know before
   * it is stored, read together: the recipient's membership (ChannelStore.membership; null when
   * they are no member) and whether they block `sender` (ModerationStore.isBlocked). One
   * statement where both tables share a database: half the round trips of asking each.
   */
  dmRecipient(channel: string, recipient: string, sender: string): Promise<DmRecipient>;
  /**
   * Releases the backend's connection, after which its calls reject SB_ERR_STORE_UNAVAILABLE
   * (MemoryStore has no connection and keeps working). Idempotent.
   */
  close(): Promise<void>;
}

/** SQLite's `synchronous` modes SqliteStore offers (docs/scaling.md, "Durability"). */
export const SQLITE_SYNCHRONOUS = ['full', 'normal'] as const;
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS)[number];

export interface StoreOptions {
  /** Messages kept per channel; older ones are pruned. 0 keeps everything. Default 0. */
  retainPerChannel?: number;
  /**
   * SqliteStore only (the others ignore it). `full`, the default: a write is fsynced before its
   * promise resolves, so an acknowledged message survives a power loss. `normal`: fsync only at
   * WAL checkpoints; an application crash loses nothing, a power loss or OS crash may drop the
   * last commits.
   */
  sqliteSynchronous?: SqliteSynchronous;
  /**
   * SqliteStore only: new messages are fed to the full-text index once this many wait, in one
   * statement; until then searches scan them (./sqlite-search.ts). 1 feeds every write
   * transaction's own. Default SEARCH_FEED_DOCS (64).
   */
  sqliteSearchFeedDocs?: number;
  /**
   * SqliteStore only: called after each group commit (GroupCommit's `onCommit`) with the seconds
   * its transaction held the event loop, the WAL fsync included, and its number of writes. The
   * server times them into `switchboard_sqlite_commit_seconds` (docs/admin.md).
   */
  onSqliteCommit?: (seconds: number, writes: number) => void;
}
