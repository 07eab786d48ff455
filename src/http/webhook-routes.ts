/**
 * Webhook subscriptions under /api/v1/webhooks (docs/webhooks.md): list, create (the secret is
 * generated, or given, and shown only in the create answer), read with its delivery state,
 * update, delete, replay from a position, and the recent delivery attempts. Every route asks the injected `authorize` first
 * (one seam: server admins today, API-key scopes later).
 */
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../protocol/webhook-events.js';
import { SwitchboardError } from '../errors.js';
import type { AllowList } from '../net/address-policy.js';
import { checkDestination } from '../net/safe-fetch.js';
import type { DeliveryAttempt, Subscription, WebhookStore } from '../store/store.js';
import { DELIVERY_HISTORY } from '../store/webhook-store.js';
import { eventId } from '../webhooks/deliverer.js';
import { newSecret } from '../webhooks/signature.js';
import { readJson } from './body.js';
import type { ApiRouter } from './router.js';

export type WebhookScope = 'webhooks:read' | 'webhooks:write';

export interface WebhookRoutesOptions {
  /** Resolves when the request may act with `scope`; rejects a coded error (401/403) if not. */
  authorize(req: IncomingMessage, scope: WebhookScope): Promise<void>;
  /** Null when `--webhooks` is off: every route answers SB_ERR_WEBHOOKS_DISABLED. */
  store: WebhookStore | null;
  allow: AllowList;
  /** An operator changed a subscription here: re-read subscriptions now. */
  changed(): void;
  now?: () => number;
}

const events = z.array(z.enum(WEBHOOK_EVENT_TYPES)).max(WEBHOOK_EVENT_TYPES.length);
const secret = z.string().min(16).max(256);
const url = z.string().max(2048);
const create = z.object({
  url,
  events: events.optional(),
  secret: secret.optional(),
  /** `head` (default): only events from now on; a position: events after it (0: the whole log). */
  from: z.union([z.literal('head'), z.number().int().min(0)]).optional(),
});
const update = z.object({
  url: url.optional(),
  events: events.optional(),
  secret: secret.optional(),
  state: z.enum(['active', 'paused']).optional(),
});
const replay = z.object({ from: z.number().int().min(1) });
const historyLimit = z.coerce.number().int().min(1).max(DELIVERY_HISTORY).default(DELIVERY_HISTORY);

/** The `limit` query parameter of the delivery history. */
function limitOf(req: IncomingMessage): number {
  const raw = new URL(req.url ?? '/', 'http://api').searchParams.get('limit') ?? undefined;
  const parsed = historyLimit.safeParse(raw);
  if (!parsed.success)
    throw new SwitchboardError('SB_ERR_HTTP_BAD_REQUEST', `query limit: 1-${DELIVERY_HISTORY}`);
  return parsed.data;
}

const attemptView = (a: DeliveryAttempt) => ({
  eventId: eventId(a.pos),
  position: a.pos,
  attempt: a.attempt,
  status: a.status,
  error: a.error,
  durationMs: a.durationMs,
  ts: a.ts,
});

/** Where the log stands: its head, and the highest position retention pruned. */
interface LogBounds {
  head: number;
  pruned: number;
}

async function bounds(store: WebhookStore): Promise<LogBounds> {
  const [head, pruned] = await Promise.all([store.headPosition(), store.prunedThrough()]);
  return { head, pruned };
}

/** Refuses a cursor below what retention kept: the events between are gone. */
function checkKept(cursor: number, { pruned }: LogBounds): void {
  if (cursor < pruned)
    throw new SwitchboardError(
      'SB_ERR_WEBHOOK_POSITION_PRUNED',
      `position ${cursor + 1} was pruned by retention; the oldest position still available is ${pruned + 1}`,
    );
}

/** A subscription as answered: never its secret. */
function view(s: Subscription, { head, pruned }: LogBounds) {
  return {
    id: s.id,
    url: s.url,
    events: s.events,
    state: s.state,
    createdAt: s.createdAt,
    delivery: {
      cursor: s.cursor,
      head,
      oldest: pruned + 1,
      backlog: Math.max(0, head - s.cursor),
      failingSince: s.failingSince,
      lastError: s.lastError,
    },
  };
}

export function addWebhookRoutes(router: ApiRouter, o: WebhookRoutesOptions): void {
  const now = o.now ?? Date.now;
  const guard = async (req: IncomingMessage, scope: WebhookScope): Promise<WebhookStore> => {
    await o.authorize(req, scope);
    if (!o.store) throw new SwitchboardError('SB_ERR_WEBHOOKS_DISABLED');
    return o.store;
  };
  const checkUrl = async (target: string): Promise<void> => {
    try {
      await checkDestination(target, { allow: o.allow });
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new SwitchboardError('SB_ERR_WEBHOOK_URL_REFUSED', detail, { cause: err });
    }
  };
  const found = (s: Subscription | null): Subscription => {
    if (!s) throw new SwitchboardError('SB_ERR_WEBHOOK_NOT_FOUND');
    return s;
  };
  router
    .add('GET', '/webhooks', async ({ req }) => {
      const store = await guard(req, 'webhooks:read');
      const [subs, log] = await Promise.all([store.subscriptions(), bounds(store)]);
      const body = {
        webhooks: subs.map((s) => view(s, log)),
        head: log.head,
        oldest: log.pruned + 1,
      };
      return { status: 200, body };
    })
    .add('POST', '/webhooks', async ({ req }) => {
      const store = await guard(req, 'webhooks:write');
      const body = await readJson(req, create);
      await checkUrl(body.url);
      const log = await bounds(store);
      const from = body.from ?? 'head';
      // 0: everything still kept; another position must not be below what retention kept.
      if (typeof from === 'number' && from > 0) checkKept(from, log);
      const s = {
        id: `wh_${randomUUID()}`,
        url: body.url,
        events: body.events ?? [],
        secret: body.secret ?? newSecret(),
        state: 'active' as const,
        cursor: from === 'head' ? log.head : Math.min(from, log.head),
        createdAt: now(),
      };
      await store.createSubscription(s);
      o.changed();
      const created = found(await store.subscription(s.id));
      // The only answer that carries the secret.
      return { status: 201, body: { ...view(created, log), secret: s.secret } };
    })
    .add('GET', '/webhooks/:id', async ({ req, params }) => {
      const store = await guard(req, 'webhooks:read');
      const s = found(await store.subscription(params['id']!));
      return { status: 200, body: view(s, await bounds(store)) };
    })
    .add('GET', '/webhooks/:id/deliveries', async ({ req, params }) => {
      const store = await guard(req, 'webhooks:read');
      const limit = limitOf(req);
      const s = found(await store.subscription(params['id']!));
      const attempts = await store.deliveries(s.id, limit);
      return { status: 200, body: { deliveries: attempts.map(attemptView) } };
    })
    .add('PATCH', '/webhooks/:id', async ({ req, params }) => {
      const store = await guard(req, 'webhooks:write');
      const body = await readJson(req, update);
      if (body.url !== undefined) await checkUrl(body.url);
      const s = found(await store.updateSubscription(params['id']!, body));
      o.changed();
      return { status: 200, body: view(s, await bounds(store)) };
    })
    .add('DELETE', '/webhooks/:id', async ({ req, params }) => {
      const store = await guard(req, 'webhooks:write');
      if (!(await store.deleteSubscription(params['id']!)))
        throw new SwitchboardError('SB_ERR_WEBHOOK_NOT_FOUND');
      o.changed();
      return { status: 204 };
    })
    .add('POST', '/webhooks/:id/replay', async ({ req, params }) => {
      const store = await guard(req, 'webhooks:write');
      const body = await readJson(req, replay);
      const log = await bounds(store);
      // Everything from `from` on comes again, in order; the subscription is active again.
      // A position retention already pruned is refused: the replay could not be complete.
      checkKept(body.from - 1, log);
      const s = found(
        await store.updateSubscription(params['id']!, {
          cursor: Math.min(body.from - 1, log.head),
          state: 'active',
        }),
      );
      o.changed();
      return { status: 200, body: view(s, log) };
    });
}
