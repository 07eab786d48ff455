/**
 * Rows of the SQL stores (SQLite and PostgreSQL share one schema) and their mapping to the
 * seams' types. Column `sender` holds a message's `from` (a reserved word in SQL).
 */
import type { Account, DeviceSession } from '../auth/account-store.js';
import type { Session } from '../auth/session-store.js';
import type { LinkPreview } from '../protocol/link-preview.js';
import type { Attachment, NewMessage, ReactionSummary, StoredMessage } from './message-store.js';
import type { DmRecipient } from './store.js';

export interface MessageRow {
  channel: string;
  seq: number;
  cid: string;
  sender: string;
  text: string;
  ts: number;
  deletes: number | null;
  edits: number | null;
  reacts: number | null;
  unreacts: number | null;
  emoji: string | null;
  edited_ts: number | null;
  reply_to: number | null;
  /** Mentioned handles, space-separated; null for none. */
  mentions: string | null;
  mentions_all: 'room' | 'here' | null;
  previews: number | null;
  /** A LinkPreview as JSON. */
  preview: string | null;
  /** JSON of the attachments, or null. */
  attachments: string | null;
  thread: number | null;
  /** 1 (SQLite) or true (PostgreSQL) for a thread message shown in the room too. */
  also_to_room: number | boolean;
  /** 1 (SQLite) or true (PostgreSQL) for a deleted message. */
  deleted: number | boolean;
}

export interface SessionRow {
  handle: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
}

export const toMessage = (r: MessageRow): StoredMessage => ({
  channel: r.channel,
  seq: r.seq,
  cid: r.cid,
  from: r.sender,
  text: r.text,
  ts: r.ts,
  ...(r.deletes === null ? {} : { deletes: r.deletes }),
  ...(r.edits === null ? {} : { edits: r.edits }),
  ...(r.reacts === null ? {} : { reacts: r.reacts }),
  ...(r.unreacts === null ? {} : { unreacts: r.unreacts }),
  ...(r.emoji === null ? {} : { emoji: r.emoji }),
  ...(r.edited_ts === null ? {} : { edited: r.edited_ts }),
  ...(r.deleted ? { deleted: true as const } : {}),
  ...(r.reply_to === null ? {} : { replyTo: r.reply_to }),
  ...(r.mentions === null ? {} : { mentions: r.mentions.split(' ') }),
  ...(r.mentions_all === null ? {} : { mentionsAll: r.mentions_all }),
  ...(r.previews === null ? {} : { previews: r.previews }),
  ...(r.preview === null ? {} : { preview: JSON.parse(r.preview) as LinkPreview }),
  ...(r.attachments === null ? {} : { attachments: JSON.parse(r.attachments) as Attachment[] }),
  ...(r.thread === null ? {} : { thread: r.thread }),
  ...(r.also_to_room ? { alsoToRoom: true as const } : {}),
});

/** A message's mentions as the `mentions` column keeps them: space-separated, null for none. */
export const joinMentions = (mentions: string[] | undefined): string | null =>
  mentions && mentions.length > 0 ? mentions.join(' ') : null;

/**
 * An entry's optional columns from `edits` to `thread`, in that order (both SQL stores insert
 * them so), each null when absent.
 */
export const optionalColumns = (m: NewMessage): unknown[] => [
  m.edits ?? null,
  m.reacts ?? null,
  m.unreacts ?? null,
  m.emoji ?? null,
  m.replyTo ?? null,
  joinMentions(m.mentions),
  m.mentionsAll ?? null,
  m.previews ?? null,
  m.preview ? JSON.stringify(m.preview) : null,
  m.attachments ? JSON.stringify(m.attachments) : null,
  m.thread ?? null,
];

/** A page of reaction rows (seq, emoji, user; by seq, then earliest first) as summaries. */
export function summarize(
  rows: { seq: number; emoji: string; user: string }[],
  viewer: string,
  names: number,
): Map<number, ReactionSummary[]> {
  const bySeq = new Map<number, Map<string, ReactionSummary>>();
  for (const r of rows) {
    const seq = Number(r.seq);
    let byEmoji = bySeq.get(seq);
    if (!byEmoji) bySeq.set(seq, (byEmoji = new Map<string, ReactionSummary>()));
    let s = byEmoji.get(r.emoji);
    if (!s) byEmoji.set(r.emoji, (s = { emoji: r.emoji, count: 0, me: false, users: [] }));
    s.count++;
    if (r.user === viewer) s.me = true;
    if (s.users.length < names) s.users.push(r.user);
  }
  return new Map([...bySeq].map(([seq, m]) => [seq, [...m.values()]]));
}

/** The row of the SQL stores' `dmRecipient` statement: a LEFT JOIN on members, so null columns for no member. */
export interface DmRecipientRow {
  read_seq: number | null;
  floor_seq: number | null;
  /** SQLite answers 0 or 1, PostgreSQL a boolean. */
  blocked: number | boolean;
}

export const toDmRecipient = (r: DmRecipientRow): DmRecipient => ({
  position: r.read_seq === null ? null : { readSeq: r.read_seq, floorSeq: r.floor_seq! },
  blocked: Boolean(r.blocked),
});

export const toSession = (r: SessionRow): Session => ({
  handle: r.handle,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export const MESSAGE_COLUMNS =
  'channel, seq, cid, sender, text, ts, deletes, edits, reacts, unreacts, emoji, edited_ts, deleted, ' +
  'reply_to, mentions, mentions_all, previews, preview, attachments, thread, also_to_room';

/**
 * The SQL condition of a row of the channel's main timeline: not a thread message, or one sent
 * `alsoToRoom` too.
 */
export const IN_MAIN_TIMELINE = '(thread IS NULL OR also_to_room)';

/** The SQL condition of a row that is a message, not an event (message-store.ts isMessage). */
export const IS_MESSAGE =
  'edits IS NULL AND deletes IS NULL AND reacts IS NULL AND unreacts IS NULL AND previews IS NULL';

export interface AccountRow {
  handle: string;
  password_hash: string;
  name: string | null;
  created_at: number;
  /** Space-separated server roles; '' for none. */
  roles: string;
}

/** Server roles as the `roles` column keeps them: space-separated, '' for none. */
export const splitRoles = (roles: string): string[] => roles.split(' ').filter(Boolean);

export const toAccount = (r: AccountRow): Account => ({
  handle: r.handle,
  passwordHash: r.password_hash,
  name: r.name,
  createdAt: r.created_at,
  roles: splitRoles(r.roles),
});

export interface DeviceSessionRow {
  id: string;
  handle: string;
  token_hash: string;
  device: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export const toDeviceSession = (r: DeviceSessionRow): DeviceSession => ({
  id: r.id,
  handle: r.handle,
  tokenHash: r.token_hash,
  device: r.device,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
});
