/**
 * What the SQL push backends (./sqlite-push.ts, ./postgres-push.ts) share: the subscription row
 * and its record, the user's own settings row, and the given fields of a settings change.
 */
import type { PushSubscriptionRecord } from './push-store.js';

export interface SubRow {
  endpoint: string;
  user: string;
  p256dh: string;
  auth: string;
  session: string | null;
  created_at: number;
}

/** The user's own row in `notify_settings`: channel '' (no channel name is empty). */
export const USER_ROW = '';

export const toSub = (r: SubRow): PushSubscriptionRecord => ({
  endpoint: r.endpoint,
  user: r.user,
  p256dh: r.p256dh,
  auth: r.auth,
  session: r.session,
  createdAt: r.created_at,
});

/** The fields of a change that are given (undefined ones leave the value as it is). */
export function defined<T extends object>(change: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(change).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
