/**
 * What the admin console (/admin, docs/admin.md) needs beyond the other endpoint lists: the
 * account list with search, granting or taking the server admin role, the node's health and
 * its own metrics over the last hour.
 */
import { z } from 'zod';
import { BOT_ROLE } from '../../auth/accounts.js';
import { SwitchboardError } from '../../errors.js';
import { HANDLE_RE } from '../../protocol/frames.js';
import { SERVER_SCOPE } from '../../store/store.js';
import { endpoint, type Endpoint, type EndpointCall } from './endpoint.js';
import { AccountInfo } from './responses.js';
import { handle, limitQuery } from './schemas.js';

function account(raw: string): string {
  const user = raw.toLowerCase();
  if (!HANDLE_RE.test(user)) throw new SwitchboardError('SB_ERR_HANDLE_INVALID');
  return user;
}

/** Gives or takes the server admin role; the role applies from the account's next hello. */
async function setAdmin(call: EndpointCall<undefined, undefined>, admin: boolean) {
  const user = account(call.params['user']!);
  const a = await call.ctx.accounts.account(user);
  if (!a) throw new SwitchboardError('SB_ERR_USER_NOT_FOUND');
  const others = a.roles.filter((r) => r !== call.ctx.adminRole);
  const roles = admin ? [...others, call.ctx.adminRole] : others;
  await call.ctx.accounts.setRoles(user, roles);
  return { user, roles };
}

const AdminRoles = z
  .strictObject({ user: handle, roles: z.array(z.string()).describe('Its server roles now.') })
  .describe('The account\u2019s server roles after the change.');

export const CONSOLE_ENDPOINTS: Endpoint[] = [
  endpoint({
    method: 'GET',
    path: '/users',
    scope: 'users:read',
    tag: 'users',
    summary:
      'Accounts by handle, optionally those whose handle or name contains `q`: name, server ' +
      'roles, bot flag, online connections, disabled.',
    query: z.object({
      q: z.string().max(64).optional().describe('Part of a handle or display name.'),
      limit: limitQuery(200, 50),
    }),
    status: 200,
    response: z.strictObject({ users: z.array(AccountInfo).describe('By handle.') }),
    run: async ({ ctx, query }) => {
      const q = query.q?.toLowerCase() ?? '';
      const found = (await ctx.accounts.list())
        .filter((a) => a.handle.includes(q) || (a.name ?? '').toLowerCase().includes(q))
        .slice(0, query.limit ?? 50);
      const users = await Promise.all(
        found.map(async (a) => {
          const ban = await ctx.store.moderation.restriction(
            SERVER_SCOPE,
            a.handle,
            'ban',
            ctx.now(),
          );
          return {
            user: a.handle,
            name: a.name,
            roles: a.roles,
            bot: a.roles.includes(BOT_ROLE),
            connections: ctx.presence.count(a.handle),
            disabled: ban !== null,
          };
        }),
      );
      return { users };
    },
  }),
  endpoint({
    method: 'PUT',
    path: '/users/{user}/roles/admin',
    scope: 'admin',
    tag: 'users',
    summary: 'Make an account a server admin (from its next connection).',
    status: 200,
    response: AdminRoles,
    run: (call) => setAdmin(call, true),
  }),
  endpoint({
    method: 'DELETE',
    path: '/users/{user}/roles/admin',
    scope: 'admin',
    tag: 'users',
    summary: 'Take the server admin role from an account (from its next connection).',
    status: 200,
    response: AdminRoles,
    run: (call) => setAdmin(call, false),
  }),
  endpoint({
    method: 'GET',
    path: '/health',
    scope: 'admin',
    tag: 'admin',
    summary:
      'This node\u2019s health as /readyz sees it, in detail: bus connected, store answering, ' +
      'draining; `ready` when all are well.',
    status: 200,
    response: z.strictObject({
      node: z.string(),
      ready: z.boolean().describe('bus and store, and not draining: what /readyz answers 200 for.'),
      bus: z.boolean().describe('The bus is connected.'),
      store: z.boolean().describe('The store answers.'),
      draining: z.boolean().describe('The node is shutting down.'),
    }),
    run: async ({ ctx }) => {
      const h = await ctx.node.health();
      return { node: ctx.node.id, ready: h.bus && h.store && !h.draining, ...h };
    },
  }),
  endpoint({
    method: 'GET',
    path: '/metrics/history',
    scope: 'admin',
    tag: 'admin',
    summary:
      'This node\u2019s own metrics over the last hour, sampled every 10 s, oldest first: ' +
      'connections, messages stored/s, client frames/s, bus messages/s, deliveries/s, the ' +
      'p50 and p99 latency (ms) of socket sends, and the p99 (ms) of SQLite group commits.',
    status: 200,
    response: z.strictObject({
      node: z.string(),
      points: z
        .array(
          z.strictObject({
            ts: z.number().int().describe('When it was sampled (ms since the epoch).'),
            connections: z.number().int().min(0),
            messagesPerSec: z.number().min(0).describe('Messages stored per second.'),
            framesPerSec: z.number().min(0).describe('Valid client frames per second.'),
            busPerSec: z.number().min(0).describe('Payloads from other nodes per second.'),
            deliveriesPerSec: z
              .number()
              .min(0)
              .describe('Messages written to live connections here per second.'),
            latencyP50Ms: z
              .number()
              .min(0)
              .describe('Median socket send latency in the interval (ms); 0 without sends.'),
            latencyP99Ms: z
              .number()
              .min(0)
              .describe(
                '99th percentile socket send latency in the interval (ms); 0 without sends.',
              ),
            commitP99Ms: z
              .number()
              .min(0)
              .describe(
                '99th percentile time a SQLite group commit held the event loop in the interval (ms); 0 without commits or on another store.',
              ),
          }),
        )
        .describe('Oldest first.'),
    }),
    run: async ({ ctx }) => ({ node: ctx.node.id, points: ctx.node.metrics() }),
  }),
];
