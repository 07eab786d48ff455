/**
 * Schemas of the answers of the page's own routes (./route-docs.ts), for the OpenAPI document.
 * Strict objects: test/http/openapi.test.ts validates the real answers against them, so a field
 * the server adds without naming it here fails.
 */
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../protocol/webhook-events.js';

const ms = (what: string) => z.number().int().describe(`${what} (ms since the epoch).`);

export const AuthModes = z.strictObject({
  modes: z.array(z.string()).describe('The `--auth` modes (`password`, `guest`, `oidc`…).'),
  oidc: z
    .strictObject({ name: z.string().describe('The provider\u2019s name for the button.') })
    .nullable()
    .describe('Null when OpenID Connect sign-in is off.'),
});

export const Me = z.strictObject({
  user: z.string(),
  name: z.string().nullable().describe('Display name; null: none set.'),
});

export const Sessions = z.strictObject({
  sessions: z.array(
    z.strictObject({
      id: z.string(),
      device: z.string().describe('The label given at sign-in, or the user agent.'),
      createdAt: ms('Signed in'),
      lastSeenAt: ms('Last used'),
      expiresAt: ms('Expires'),
      current: z.boolean().describe('The session of this call.'),
    }),
  ),
});

export const UploadInfo = z.strictObject({
  id: z.string().describe('Attach it to a message by this id.'),
  name: z.string().describe('The file name, cleaned.'),
  type: z.string().describe('The media type, from the file\u2019s bytes.'),
  size: z.number().int().min(0).describe('Bytes.'),
  width: z.number().int().optional().describe('Images: pixels across.'),
  height: z.number().int().optional().describe('Images: pixels down.'),
});

export const FileLink = z.strictObject({
  url: z.string().describe('Signed path of the file (GET /api/v1/files/{id}).'),
  thumbUrl: z.string().optional().describe('Images with a thumbnail: its signed path.'),
  expires: ms('When the links stop working'),
});

export const VapidKey = z.strictObject({
  publicKey: z.string().describe('For `pushManager.subscribe({applicationServerKey})`.'),
});

export const Webhook = z.strictObject({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).describe('The event types sent; empty: all.'),
  state: z.enum(['active', 'paused']),
  createdAt: ms('Created'),
  delivery: z.strictObject({
    cursor: z.number().int().min(0).describe('Events up to this position are delivered.'),
    head: z.number().int().min(0).describe('The newest event position.'),
    oldest: z.number().int().min(1).describe('The oldest position retention still keeps.'),
    backlog: z.number().int().min(0).describe('Events waiting: head - cursor.'),
    failingSince: ms('Since when the next event fails').nullable(),
    lastError: z.string().nullable(),
  }),
});

export const NewWebhook = Webhook.extend({
  secret: z.string().describe('The signing secret; shown only in this answer.'),
});

export const Webhooks = z.strictObject({
  webhooks: z.array(Webhook),
  head: z.number().int().min(0),
  oldest: z.number().int().min(1),
});

export const Deliveries = z.strictObject({
  deliveries: z
    .array(
      z.strictObject({
        eventId: z.string().describe('`evt_<position>`'),
        position: z.number().int().min(1),
        attempt: z.number().int().min(1).describe('1: the first request; 2: the first retry…'),
        status: z.number().int().nullable().describe('The HTTP status; null when none came.'),
        error: z.string().nullable().describe('Why no status came (SB_ERR_FETCH_*); else null.'),
        durationMs: z.number().min(0),
        ts: ms('When the request started'),
      }),
    )
    .describe('Newest first.'),
});
