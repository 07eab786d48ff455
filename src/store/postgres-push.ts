import { defined, toSub, USER_ROW, type SubRow } from './push-rows.js';
import type { Query } from './postgres-moderation.js';
import {
  DEFAULT_NOTIFY,
  type ChannelNotifySettings,
  type NotifyLevel,
  type PushStore,
  type PushSubscriptionRecord,
  type UserNotifySettings,
  type VapidKeys,
} from './push-store.js';

interface SettingsRow {
  channel: string;
  level: NotifyLevel | null;
  preview: boolean | null;
  muted_until: number | null;
}

const SQL = {
  pushSubscribe: `INSERT INTO push_subscriptions (endpoint, "user", p256dh, auth, session, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (endpoint) DO UPDATE SET "user" = excluded."user", p256dh = excluded.p256dh,
      auth = excluded.auth, session = excluded.session, created_at = excluded.created_at`,
  pushUnsubscribe: 'DELETE FROM push_subscriptions WHERE "user" = $1 AND endpoint = $2',
  pushRemove: 'DELETE FROM push_subscriptions WHERE endpoint = $1',
  pushRemoveSession: 'DELETE FROM push_subscriptions WHERE "user" = $1 AND session = $2',
  pushList: `SELECT endpoint, "user", p256dh, auth, session, created_at FROM push_subscriptions
    WHERE "user" = $1 ORDER BY created_at, id`,
  pushSettings: `SELECT channel, level, preview, muted_until FROM notify_settings
    WHERE "user" = $1 AND channel = $2`,
  pushChannels: `SELECT channel, level, preview, muted_until FROM notify_settings
    WHERE "user" = $1 AND channel <> '' ORDER BY channel`,
  pushPut: `INSERT INTO notify_settings ("user", channel, level, preview, muted_until)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT ("user", channel) DO UPDATE SET level = excluded.level,
      preview = excluded.preview, muted_until = excluded.muted_until`,
  pushForget: 'DELETE FROM notify_settings WHERE "user" = $1 AND channel = $2',
  pushVapid: `WITH ins AS (INSERT INTO push_vapid (id, public_key, private_key) VALUES (1, $1, $2)
      ON CONFLICT DO NOTHING RETURNING public_key, private_key)
    SELECT public_key, private_key FROM ins
    UNION ALL SELECT public_key, private_key FROM push_vapid WHERE id = 1`,
};

/**
 * The PushStore of a PostgresStore (tables: the push migration of ./postgres-schema.ts). A
 * read-modify-write of settings is two statements: concurrent changes of one user's settings
 * may lose one field (last writer wins), which a settings page tolerates.
 */
export class PostgresPush implements PushStore {
  constructor(private readonly q: Query) {}

  async subscribe(s: PushSubscriptionRecord): Promise<void> {
    await this.q('pushSubscribe', SQL.pushSubscribe, [
      s.endpoint,
      s.user,
      s.p256dh,
      s.auth,
      s.session,
      s.createdAt,
    ]);
  }

  async unsubscribe(user: string, endpoint: string): Promise<boolean> {
    return (
      ((await this.q('pushUnsubscribe', SQL.pushUnsubscribe, [user, endpoint])).rowCount ?? 0) > 0
    );
  }

  async removeEndpoint(endpoint: string): Promise<void> {
    await this.q('pushRemove', SQL.pushRemove, [endpoint]);
  }

  async removeSession(user: string, session: string): Promise<void> {
    await this.q('pushRemoveSession', SQL.pushRemoveSession, [user, session]);
  }

  async subscriptions(user: string): Promise<PushSubscriptionRecord[]> {
    const { rows } = await this.q<SubRow>('pushList', SQL.pushList, [user]);
    return rows.map(toSub);
  }

  async #row(user: string, channel: string): Promise<SettingsRow | undefined> {
    return (await this.q<SettingsRow>('pushSettings', SQL.pushSettings, [user, channel])).rows[0];
  }

  async userSettings(user: string): Promise<UserNotifySettings> {
    const row = await this.#row(user, USER_ROW);
    return row
      ? { level: row.level ?? DEFAULT_NOTIFY.level, preview: row.preview !== false }
      : { ...DEFAULT_NOTIFY };
  }

  async setUserSettings(
    user: string,
    change: Partial<UserNotifySettings>,
  ): Promise<UserNotifySettings> {
    const next = { ...(await this.userSettings(user)), ...defined(change) };
    await this.q('pushPut', SQL.pushPut, [user, USER_ROW, next.level, next.preview, null]);
    return next;
  }

  async channelSettings(user: string): Promise<ChannelNotifySettings[]> {
    const { rows } = await this.q<SettingsRow>('pushChannels', SQL.pushChannels, [user]);
    return rows.map((r) => ({ channel: r.channel, level: r.level, mutedUntil: r.muted_until }));
  }

  async setChannelSettings(
    user: string,
    channel: string,
    change: Partial<Omit<ChannelNotifySettings, 'channel'>>,
  ): Promise<ChannelNotifySettings> {
    const row = await this.#row(user, channel);
    const next = {
      channel,
      level: row?.level ?? null,
      mutedUntil: row?.muted_until ?? null,
      ...defined(change),
    };
    if (next.level === null && next.mutedUntil === null)
      await this.q('pushForget', SQL.pushForget, [user, channel]);
    else await this.q('pushPut', SQL.pushPut, [user, channel, next.level, null, next.mutedUntil]);
    return next;
  }

  async vapidKeys(candidate: VapidKeys): Promise<VapidKeys> {
    const { rows } = await this.q<{ public_key: string; private_key: string }>(
      'pushVapid',
      SQL.pushVapid,
      [candidate.publicKey, candidate.privateKey],
    );
    // Two nodes starting at once: the loser's statement may not see the winner's row yet
    // (its snapshot predates the commit); a new statement does.
    const row =
      rows[0] ??
      (
        await this.q<{ public_key: string; private_key: string }>(
          'pushVapidRead',
          'SELECT public_key, private_key FROM push_vapid WHERE id = 1',
          [],
        )
      ).rows[0]!;
    return { publicKey: row.public_key, privateKey: row.private_key };
  }
}
