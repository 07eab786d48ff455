/**
 * The push seam of storage: the Web Push subscriptions of each user's devices, their
 * notification settings (per user and per channel), and the VAPID key pair of the cluster, in
 * the same database as the log. Guarantees (checked by test/store/cases/push.ts):
 * - A subscription is keyed by its endpoint: subscribing an endpoint again replaces its keys
 *   and owner (a browser profile that signs in as someone else moves its endpoint with it).
 * - `subscriptions` lists a user's, oldest first.
 * - Settings a user never set read as DEFAULT_NOTIFY; a channel's `level` null follows the user's.
 * - `vapidKeys(candidate)` stores the candidate only if no pair is stored yet and resolves with
 *   the stored pair, so every node of a cluster, and every restart, signs with the same keys.
 */

/** A browser's PushSubscription (its endpoint and the keys of RFC 8291), as registered. */
export interface PushSubscriptionRecord {
  /** The push service URL the browser gave; unique. */
  endpoint: string;
  user: string;
  /** The subscription's P-256 public key, base64url (65 bytes, uncompressed). */
  p256dh: string;
  /** The subscription's authentication secret, base64url (16 bytes). */
  auth: string;
  /** The session that registered it (a device); null for a sessionless sign-in (JWT, webhook). */
  session: string | null;
  createdAt: number;
}

/**
 * What a user is notified of: `all` (DMs, mentions, thread replies), `mentions` (DMs and
 * mentions) or `none`.
 */
export type NotifyLevel = 'all' | 'mentions' | 'none';
export const NOTIFY_LEVELS: readonly NotifyLevel[] = ['all', 'mentions', 'none'];

export interface UserNotifySettings {
  level: NotifyLevel;
  /** Put a text excerpt in the notification; false sends only who and where. */
  preview: boolean;
}

export interface ChannelNotifySettings {
  channel: string;
  /** Overrides the user's level in this channel; null follows it. */
  level: NotifyLevel | null;
  /** No notification from this channel before this time (ms); null: not muted. */
  mutedUntil: number | null;
}

export const DEFAULT_NOTIFY: UserNotifySettings = { level: 'all', preview: true };

export interface VapidKeys {
  /** base64url, uncompressed P-256 point (65 bytes). */
  publicKey: string;
  /** base64url, the 32-byte private scalar. */
  privateKey: string;
}

export interface PushStore {
  /** Adds the subscription, or replaces the one with the same endpoint. */
  subscribe(sub: PushSubscriptionRecord): Promise<void>;
  /** Removes `user`'s subscription with this endpoint; false when they have none such. */
  unsubscribe(user: string, endpoint: string): Promise<boolean>;
  /** Removes the endpoint whoever holds it (the push service said it is gone). */
  removeEndpoint(endpoint: string): Promise<void>;
  /** Removes the subscriptions `user` registered from `session` (it was signed out or revoked). */
  removeSession(user: string, session: string): Promise<void>;
  /** The user's subscriptions, oldest first. */
  subscriptions(user: string): Promise<PushSubscriptionRecord[]>;
  userSettings(user: string): Promise<UserNotifySettings>;
  setUserSettings(user: string, change: Partial<UserNotifySettings>): Promise<UserNotifySettings>;
  /** The user's settings of channels that have any, by channel name. */
  channelSettings(user: string): Promise<ChannelNotifySettings[]>;
  /** Changes the given fields; a row back at (null, null) is forgotten. */
  setChannelSettings(
    user: string,
    channel: string,
    change: Partial<Omit<ChannelNotifySettings, 'channel'>>,
  ): Promise<ChannelNotifySettings>;
  /** The stored VAPID pair, storing `candidate` first when there is none. */
  vapidKeys(candidate: VapidKeys): Promise<VapidKeys>;
}
