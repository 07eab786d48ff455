/**
 * Push notification commands (docs/push.md): register and unregister a device's
 * PushSubscription, read and change notification settings.
 */
import { SwitchboardError } from '../../errors.js';
import type { NotifySettings } from '../../protocol/frames.js';
import type { Handler } from './context.js';

/** Devices one user may register; a new one beyond replaces the oldest. */
export const MAX_PUSH_DEVICES = 10;

/** base64url (padding optional) of exactly `bytes` bytes. */
function base64urlOf(value: string, bytes: number): boolean {
  const bare = value.replace(/={1,2}$/, '');
  return /^[A-Za-z0-9_-]*$/.test(bare) && bare.length === Math.ceil((bytes * 4) / 3);
}

export const pushSubscribe: Handler<'push-subscribe'> = async (ctx, conn, f) => {
  if (!ctx.pushSender) throw new SwitchboardError('SB_ERR_PUSH_UNAVAILABLE');
  // An uncompressed P-256 point is 65 bytes starting with 0x04: base64url 'B…'.
  const keysOk =
    base64urlOf(f.keys.p256dh, 65) && f.keys.p256dh.startsWith('B') && base64urlOf(f.keys.auth, 16);
  if (!keysOk || !ctx.pushSender.accepts(f.endpoint))
    throw new SwitchboardError('SB_ERR_PUSH_SUBSCRIPTION_INVALID');
  const user = conn.user!;
  const push = ctx.store.push;
  const others = (await push.subscriptions(user)).filter((s) => s.endpoint !== f.endpoint);
  for (const old of others.slice(0, Math.max(0, others.length - MAX_PUSH_DEVICES + 1)))
    await push.unsubscribe(user, old.endpoint);
  await push.subscribe({
    endpoint: f.endpoint,
    user,
    p256dh: f.keys.p256dh,
    auth: f.keys.auth,
    session: conn.session,
    createdAt: ctx.now(),
  });
  return {};
};

export const pushUnsubscribe: Handler<'push-unsubscribe'> = async (ctx, conn, f) => ({
  removed: await ctx.store.push.unsubscribe(conn.user!, f.endpoint),
});

export const notifySettings: Handler<'notify-settings'> = async (ctx, conn, f) => {
  const user = conn.user!;
  const push = ctx.store.push;
  const forChannel = f.channelLevel !== undefined || f.mutedUntil !== undefined;
  if (forChannel && f.channel === undefined)
    throw new SwitchboardError('SB_ERR_BAD_FRAME', 'channelLevel and mutedUntil need channel');
  if (f.channel !== undefined) {
    if (!(await ctx.store.membership(f.channel, user)))
      throw new SwitchboardError('SB_ERR_NOT_A_MEMBER');
    if (forChannel) {
      const mutedUntil = f.mutedUntil;
      await push.setChannelSettings(user, f.channel, {
        level: f.channelLevel,
        // A past time unmutes: stored as not muted, so the row can be forgotten.
        mutedUntil: mutedUntil != null && mutedUntil <= ctx.now() ? null : mutedUntil,
      });
    }
  }
  const own =
    f.level !== undefined || f.preview !== undefined
      ? await push.setUserSettings(user, { level: f.level, preview: f.preview })
      : await push.userSettings(user);
  const now = ctx.now();
  const channels = (await push.channelSettings(user)).map((c) =>
    c.mutedUntil !== null && c.mutedUntil <= now ? { ...c, mutedUntil: null } : c,
  );
  const reply: NotifySettings = { ...own, channels };
  return reply;
};
