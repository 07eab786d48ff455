import { defined } from './push-rows.js';
import {
  DEFAULT_NOTIFY,
  type ChannelNotifySettings,
  type PushStore,
  type PushSubscriptionRecord,
  type UserNotifySettings,
  type VapidKeys,
} from './push-store.js';

/** The push seam of MemoryStore: maps in this process. */
export class MemoryPush implements PushStore {
  readonly #subs = new Map<string, PushSubscriptionRecord>();
  readonly #users = new Map<string, UserNotifySettings>();
  /** user → channel → settings */
  readonly #channels = new Map<string, Map<string, ChannelNotifySettings>>();
  #vapid: VapidKeys | null = null;

  async subscribe(sub: PushSubscriptionRecord): Promise<void> {
    this.#subs.delete(sub.endpoint);
    this.#subs.set(sub.endpoint, { ...sub });
  }

  async unsubscribe(user: string, endpoint: string): Promise<boolean> {
    if (this.#subs.get(endpoint)?.user !== user) return false;
    return this.#subs.delete(endpoint);
  }

  async removeEndpoint(endpoint: string): Promise<void> {
    this.#subs.delete(endpoint);
  }

  async removeSession(user: string, session: string): Promise<void> {
    for (const [endpoint, s] of this.#subs)
      if (s.user === user && s.session === session) this.#subs.delete(endpoint);
  }

  async subscriptions(user: string): Promise<PushSubscriptionRecord[]> {
    return [...this.#subs.values()]
      .filter((s) => s.user === user)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((s) => ({ ...s }));
  }

  async userSettings(user: string): Promise<UserNotifySettings> {
    return { ...(this.#users.get(user) ?? DEFAULT_NOTIFY) };
  }

  async setUserSettings(
    user: string,
    change: Partial<UserNotifySettings>,
  ): Promise<UserNotifySettings> {
    const next = { ...(this.#users.get(user) ?? DEFAULT_NOTIFY), ...defined(change) };
    this.#users.set(user, next);
    return { ...next };
  }

  async channelSettings(user: string): Promise<ChannelNotifySettings[]> {
    return [...(this.#channels.get(user)?.values() ?? [])]
      .map((c) => ({ ...c }))
      .sort((a, b) => (a.channel < b.channel ? -1 : 1));
  }

  async setChannelSettings(
    user: string,
    channel: string,
    change: Partial<Omit<ChannelNotifySettings, 'channel'>>,
  ): Promise<ChannelNotifySettings> {
    let mine = this.#channels.get(user);
    if (!mine) this.#channels.set(user, (mine = new Map<string, ChannelNotifySettings>()));
    const next = {
      ...(mine.get(channel) ?? { channel, level: null, mutedUntil: null }),
      ...defined(change),
    };
    if (next.level === null && next.mutedUntil === null) mine.delete(channel);
    else mine.set(channel, next);
    return { ...next };
  }

  async vapidKeys(candidate: VapidKeys): Promise<VapidKeys> {
    this.#vapid ??= { ...candidate };
    return { ...this.#vapid };
  }
}
