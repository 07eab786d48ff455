/**
 * Users over HTTP: create (bots too), look up, disable and enable (a server-wide ban: every
 * connection closes 4102 on every node), revoke sessions, issue a session token for a backend to
 * sign its user in, disconnect everywhere; and cluster presence.
 */
import { z } from 'zod';
import { BOT_ROLE } from '../../auth/accounts.js';
import { CloseCode } from '../../protocol/close-codes.js';
import { SERVER_SCOPE } from '../../store/store.js';
import { SwitchboardError } from '../../errors.js';
import { HANDLE_RE, OnlineUser } from '../../protocol/frames.js';
import { endpoint, type Endpoint } from './endpoint.js';
import { AccountInfo, IssuedSession } from './responses.js';
import { handle, reason } from './schemas.js';

const device = z.string().max(128).optional().describe('Label of the session; default "api".');

function userParam(raw: string): string {
  const user = raw.toLowerCase();
  if (!HANDLE_RE.test(user)) throw new SwitchboardError('SB_ERR_HANDLE_INVALID');
  return user;
}

export const USER_ENDPOINTS: Endpoint[] = [
  endpoint({
    method: 'POST',
    path: '/users',
    scope: 'users:write',
    tag: 'users',
    summary:
      'Create an account (with `bot`: a bot account), answered with a first session token for ' +
      '`hello {token}`. A password is optional.',
    body: z.strictObject({
      user: handle,
      name: z.string().max(1024).optional().describe('Display name.'),
      password: z.string().optional().describe('8-1024 bytes; absent: no password sign-in.'),
      bot: z.boolean().optional().describe('A bot account; default false.'),
      device,
    }),
    status: 201,
    response: IssuedSession.extend({ bot: z.boolean() }),
    run: async ({ ctx, body }) => {
      const issued = await ctx.accounts.createUser(
        body.user,
        { password: body.password, name: body.name, bot: body.bot ?? false },
        body.device ?? 'api',
      );
      return { ...issued, bot: body.bot ?? false };
    },
  }),
  endpoint({
    method: 'GET',
    path: '/users/{user}',
    scope: 'users:read',
    tag: 'users',
    summary: 'An account: name, server roles, bot flag, online connections, disabled.',
    status: 200,
    response: AccountInfo,
    run: async ({ ctx, params }) => {
      const user = userParam(params['user']!);
      const account = await ctx.accounts.account(user);
      if (!account) throw new SwitchboardError('SB_ERR_USER_NOT_FOUND');
      const ban = await ctx.store.moderation.restriction(SERVER_SCOPE, user, 'ban', ctx.now());
      return {
        user,
        name: account.name,
        roles: account.roles,
        bot: account.roles.includes(BOT_ROLE),
        connections: ctx.presence.count(user),
        disabled: ban !== null,
      };
    },
  }),
  endpoint({
    method: 'POST',
    path: '/users/{user}/disable',
    scope: 'users:write',
    tag: 'users',
    summary:
      'Disable a user: a server-wide ban; their connections close 4102 on every node. A server ' +
      'admin (account role) answers 403 SB_ERR_OUTRANKED: take the role away first.',
    body: z.strictObject({ reason }),
    status: 204,
    run: async ({ ctx, params, body, actor }) => {
      await ctx.core.runAs(await actor(), {
        type: 'ban',
        user: userParam(params['user']!),
        ...(body.reason === undefined ? {} : { reason: body.reason }),
      });
    },
  }),
  endpoint({
    method: 'POST',
    path: '/users/{user}/enable',
    scope: 'users:write',
    tag: 'users',
    summary: 'Lift a disable (the server-wide ban).',
    status: 204,
    run: async ({ ctx, params, actor }) => {
      await ctx.core.runAs(await actor(), { type: 'unban', user: userParam(params['user']!) });
    },
  }),
  endpoint({
    method: 'POST',
    path: '/users/{user}/sessions',
    scope: 'users:write',
    tag: 'users',
    summary: 'Issue a session token for an account, so a backend can sign its user in.',
    body: z.strictObject({ device }),
    status: 201,
    response: IssuedSession,
    run: async ({ ctx, params, body }) =>
      ctx.accounts.issueSession(userParam(params['user']!), body.device ?? 'api'),
  }),
  endpoint({
    method: 'DELETE',
    path: '/users/{user}/sessions',
    scope: 'users:write',
    tag: 'users',
    summary: 'Revoke every session of an account; their connections close 4101 on every node.',
    status: 200,
    response: z.strictObject({
      revoked: z.number().int().min(0).describe('How many sessions were revoked.'),
    }),
    run: async ({ ctx, params }) => ({
      revoked: await ctx.accounts.revokeAll(userParam(params['user']!)),
    }),
  }),
  endpoint({
    method: 'POST',
    path: '/users/{user}/disconnect',
    scope: 'users:write',
    tag: 'users',
    summary: 'Close every connection of a user on every node (4101); sessions stay valid.',
    status: 204,
    run: async ({ ctx, params }) => {
      ctx.core.disconnectUser(userParam(params['user']!), CloseCode.SESSION_REVOKED);
    },
  }),
  endpoint({
    method: 'GET',
    path: '/presence',
    scope: 'presence:read',
    tag: 'presence',
    summary:
      'Who is online cluster-wide with connection counts, and each live node\u2019s users and ' +
      'connections (a single node without cluster presence: just itself).',
    status: 200,
    response: z.strictObject({
      users: z.array(OnlineUser).describe('Who is online, cluster-wide.'),
      online: z.number().int().min(0).describe('How many users are online.'),
      node: z.string().describe('The node that answered.'),
      nodes: z.array(
        z.strictObject({
          node: z.string(),
          users: z.number().int().min(0),
          connections: z.number().int().min(0),
        }),
      ),
    }),
    run: async ({ ctx }) => {
      const users = [...ctx.presence.list()].map(([user, connections]) => ({ user, connections }));
      const mine = ctx.node.users();
      let connections = 0;
      for (const n of mine.values()) connections += n;
      const nodes = ctx.presence.byNode?.() ?? [
        { node: ctx.node.id, users: mine.size, connections },
      ];
      return { users, online: users.length, node: ctx.node.id, nodes };
    },
  }),
];
