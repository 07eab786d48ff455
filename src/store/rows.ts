/**
 * Rows of the SQL stores (SQLite and PostgreSQL share one schema) and their mapping to the
 * seams' types. Column `sender` holds a message's `from` (a reserved word in SQL).
 */
import type { Account, DeviceSession } from '../auth/account-store.js';
import type { Session } from '../auth/session-store.js';
import type { StoredMessage } from './message-store.js';

export interface MessageRow {
  channel: string;
  seq: number;
  cid: string;
  sender: string;
  text: string;
  ts: number;
  deletes: number | null;
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
});

export const toSession = (r: SessionRow): Session => ({
  handle: r.handle,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export const MESSAGE_COLUMNS = 'channel, seq, cid, sender, text, ts, deletes';

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
