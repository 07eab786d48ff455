/**
 * The types of webhook events (docs/webhooks.md), shared by the core that reports them and the
 * HTTP API whose subscriptions filter on them.
 */
export const WEBHOOK_EVENT_TYPES = [
  'message.created',
  'message.edited',
  'message.deleted',
  'reaction.added',
  'reaction.removed',
  'member.joined',
  'member.left',
  'member.kicked',
  'member.banned',
  'room.created',
  'room.changed',
  'user.online',
  'user.offline',
  'report.filed',
  'report.resolved',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
