/**
 * The frames of push notifications (docs/push.md): registering a browser's PushSubscription and
 * reading or changing notification settings. Part of the protocol of ./frames.ts.
 */
import { z } from 'zod';

const requestId = z
  .union([z.string().max(64), z.number().int().safe()])
  .describe('Client-chosen correlation id, echoed in the reply or error frame.');
const base64url = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]*={0,2}$/);
const endpoint = z
  .string()
  .max(2048)
  .describe('`PushSubscription.endpoint`: the push service URL (https, at most 1024 characters).');

export const NotifyLevel = z
  .enum(['all', 'mentions', 'none'])
  .describe('all: DMs, mentions and thread replies; mentions: DMs and mentions; none: nothing.');

export const PushSubscribeFrame = z
  .strictObject({
    type: z.literal('push-subscribe'),
    id: requestId,
    endpoint,
    keys: z
      .strictObject({
        p256dh: base64url.describe('base64url P-256 public key of the subscription.'),
        auth: base64url.describe('base64url 16-byte authentication secret.'),
      })
      .describe('`PushSubscription.toJSON().keys`.'),
  })
  .describe(
    'Register this device for push notifications (a browser PushSubscription made with the ' +
      'key of GET /api/v1/push/vapid-public-key). Pushes come while none of your devices is ' +
      'connected. Replied with {}.',
  );

export const PushUnsubscribeFrame = z
  .strictObject({ type: z.literal('push-unsubscribe'), id: requestId, endpoint })
  .describe('Stop push notifications to this device. Replied with {removed: boolean}.');

export const ChannelNotifySettings = z.strictObject({
  channel: z.string().max(100),
  level: NotifyLevel.nullable().describe('null: follows your own level.'),
  mutedUntil: z
    .number()
    .int()
    .nullable()
    .describe('No notification from the channel before this time (ms); null: not muted.'),
});

export const NotifySettings = z
  .strictObject({
    level: NotifyLevel,
    preview: z.boolean().describe('Notifications carry a text excerpt; false: only who and where.'),
    channels: z.array(ChannelNotifySettings).describe('Channels with settings of their own.'),
  })
  .describe('The `notify-settings` reply: your notification settings.');
export type NotifySettings = z.infer<typeof NotifySettings>;

export const NotifySettingsFrame = z
  .strictObject({
    type: z.literal('notify-settings'),
    id: requestId,
    level: NotifyLevel.optional().describe('Your own level (every channel without one).'),
    preview: z.boolean().optional().describe('Whether notifications carry a text excerpt.'),
    channel: z
      .string()
      .max(100)
      .optional()
      .describe('A channel you are a member of, whose `channelLevel` or `mutedUntil` to set.'),
    channelLevel: NotifyLevel.nullable()
      .optional()
      .describe('With `channel`: its level; null follows yours.'),
    mutedUntil: z
      .number()
      .int()
      .min(0)
      .nullable()
      .optional()
      .describe('With `channel`: mute it until this time (ms); null or a past time unmutes.'),
  })
  .describe(
    'Read (no other field) or change your notification settings. Replied with NotifySettings.',
  );
