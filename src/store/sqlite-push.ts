import type Database from 'better-sqlite3';
import { defined, toSub, USER_ROW, type SubRow } from './push-rows.js';
import {
  DEFAULT_NOTIFY,
  type ChannelNotifySettings,
  type NotifyLevel,
  type PushStore,
  type PushSubscriptionRecord,
  type UserNotifySettings,
  type VapidKeys,
} from './push-store.js';
import type { Run } from './sqlite-moderation.js';

interface SettingsRow {
  channel: string;
  level: NotifyLevel | null;
  preview: number | null;
  muted_until: number | null;
}

function prepare(db: Database.Database) {
  return {
    subscribe: db.prepare(
      `INSERT INTO push_subscriptions (endpoint, user, p256dh, auth, session, created_at)
       VALUES (@endpoint, @user, @p256dh, @auth, @session, @createdAt)
       ON CONFLICT (endpoint) DO UPDATE SET user = excluded.user, p256dh = excluded.p256dh,
         auth = excluded.auth, session = excluded.session, created_at = excluded.created_at`,
    ),
    unsubscribe: db.prepare('DELETE FROM push_subscriptions WHERE user = ? AND endpoint = ?'),
    remove: db.prepare('DELETE FROM push_subscriptions WHERE endpoint = ?'),
    removeSession: db.prepare('DELETE FROM push_subscriptions WHERE user = ? AND session = ?'),
    list: db.prepare('SELECT * FROM push_subscriptions WHERE user = ? ORDER BY created_at, rowid'),
    settings: db.prepare('SELECT * FROM notify_settings WHERE user = ? AND channel = ?'),
    channels: db.prepare(
      `SELECT * FROM notify_settings WHERE user = ? AND channel <> '' ORDER BY channel`,
    ),
    put: db.prepare(
      `INSERT INTO notify_settings (user, channel, level, preview, muted_until)
       VALUES (@user, @channel, @level, @preview, @mutedUntil)
       ON CONFLICT (user, channel) DO UPDATE SET level = excluded.level,
         preview = excluded.preview, muted_until = excluded.muted_until`,
    ),
    forget: db.prepare('DELETE FROM notify_settings WHERE user = ? AND channel = ?'),
    vapidInsert: db.prepare(
      'INSERT INTO push_vapid (id, public_key, private_key) VALUES (1, ?, ?) ON CONFLICT DO NOTHING',
    ),
    vapid: db.prepare('SELECT public_key, private_key FROM push_vapid WHERE id = 1'),
  };
}

/** The PushStore of a SqliteStore (tables: the push migration of ./sqlite-schema.ts). */
export class SqlitePush implements PushStore {
  readonly #sql: ReturnType<typeof prepare>;
  readonly #user: (user: string) => UserNotifySettings;
  readonly #channel: (user: string, channel: string) => ChannelNotifySettings;

  constructor(
    db: Database.Database,
    private readonly run: Run,
  ) {
    const sql = (this.#sql = prepare(db));
    this.#user = (user) => {
      const row = sql.settings.get(user, USER_ROW) as SettingsRow | undefined;
      return row
        ? { level: row.level ?? DEFAULT_NOTIFY.level, preview: row.preview !== 0 }
        : { ...DEFAULT_NOTIFY };
    };
    this.#channel = (user, channel) => {
      const row = sql.settings.get(user, channel) as SettingsRow | undefined;
      return { channel, level: row?.level ?? null, mutedUntil: row?.muted_until ?? null };
    };
  }

  subscribe(sub: PushSubscriptionRecord): Promise<void> {
    return this.run(() => void this.#sql.subscribe.run(sub));
  }

  unsubscribe(user: string, endpoint: string): Promise<boolean> {
    return this.run(() => this.#sql.unsubscribe.run(user, endpoint).changes > 0);
  }

  removeEndpoint(endpoint: string): Promise<void> {
    return this.run(() => void this.#sql.remove.run(endpoint));
  }

  removeSession(user: string, session: string): Promise<void> {
    return this.run(() => void this.#sql.removeSession.run(user, session));
  }

  subscriptions(user: string): Promise<PushSubscriptionRecord[]> {
    return this.run(() => (this.#sql.list.all(user) as SubRow[]).map(toSub));
  }

  userSettings(user: string): Promise<UserNotifySettings> {
    return this.run(() => this.#user(user));
  }

  setUserSettings(user: string, change: Partial<UserNotifySettings>): Promise<UserNotifySettings> {
    return this.run(() => {
      const next = { ...this.#user(user), ...defined(change) };
      this.#sql.put.run({
        user,
        channel: USER_ROW,
        level: next.level,
        preview: next.preview ? 1 : 0,
        mutedUntil: null,
      });
      return next;
    });
  }

  channelSettings(user: string): Promise<ChannelNotifySettings[]> {
    return this.run(() =>
      (this.#sql.channels.all(user) as SettingsRow[]).map((r) => ({
        channel: r.channel,
        level: r.level,
        mutedUntil: r.muted_until,
      })),
    );
  }

  setChannelSettings(
    user: string,
    channel: string,
    change: Partial<Omit<ChannelNotifySettings, 'channel'>>,
  ): Promise<ChannelNotifySettings> {
    return this.run(() => {
      const next = { ...this.#channel(user, channel), ...defined(change) };
      if (next.level === null && next.mutedUntil === null) this.#sql.forget.run(user, channel);
      else
        this.#sql.put.run({
          user,
          channel,
          level: next.level,
          preview: null,
          mutedUntil: next.mutedUntil,
        });
      return next;
    });
  }

  vapidKeys(candidate: VapidKeys): Promise<VapidKeys> {
    return this.run(() => {
      this.#sql.vapidInsert.run(candidate.publicKey, candidate.privateKey);
      const row = this.#sql.vapid.get() as { public_key: string; private_key: string };
      return { publicKey: row.public_key, privateKey: row.private_key };
    });
  }
}
