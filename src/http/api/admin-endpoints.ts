/**
 * API keys and the call log over HTTP: scope `admin`, or a server admin's session token (how
 * the first key is made without the CLI).
 */
import { z } from 'zod';
import { SwitchboardError } from '../../errors.js';
import { endpoint, type Endpoint } from './endpoint.js';
import { ApiCallInfo, ApiKeyInfo } from './responses.js';
import { limitQuery } from './schemas.js';
import { API_SCOPES } from './scopes.js';

export const ADMIN_ENDPOINTS: Endpoint[] = [
  endpoint({
    method: 'POST',
    path: '/api-keys',
    scope: 'admin',
    tag: 'admin',
    summary: 'Create an API key; the key is in this answer only (only its hash is stored).',
    body: z.strictObject({
      name: z.string().min(1).max(100),
      scopes: z.array(z.enum(API_SCOPES)).min(1).max(API_SCOPES.length),
    }),
    status: 201,
    response: ApiKeyInfo.extend({
      key: z.string().describe('The key (`sbk_…`) for `Authorization: Bearer`; shown only here.'),
    }),
    run: async ({ ctx, body, caller }) => ctx.keys.create(body.name, body.scopes, caller.user),
  }),
  endpoint({
    method: 'GET',
    path: '/api-keys',
    scope: 'admin',
    tag: 'admin',
    summary: 'List API keys (never the keys themselves), revoked ones with `revokedAt`.',
    status: 200,
    response: z.strictObject({ keys: z.array(ApiKeyInfo).describe('Oldest first.') }),
    run: async ({ ctx }) => ({ keys: await ctx.keys.list() }),
  }),
  endpoint({
    method: 'DELETE',
    path: '/api-keys/{id}',
    scope: 'admin',
    tag: 'admin',
    summary: 'Revoke an API key: its next call is 401 on every node.',
    status: 204,
    run: async ({ ctx, params }) => {
      if (!(await ctx.keys.revoke(params['id']!)))
        throw new SwitchboardError('SB_ERR_HTTP_NOT_FOUND', 'no such live API key');
    },
  }),
  endpoint({
    method: 'GET',
    path: '/audit',
    scope: 'admin',
    tag: 'admin',
    summary: 'The API call log, newest first: key (or session), method, path, status, time.',
    query: z.object({
      before: z.coerce.number().int().min(1).optional().describe('Entries with id < before.'),
      limit: limitQuery(500, 50),
      key: z.string().max(64).optional().describe('Only the calls of this key id.'),
    }),
    status: 200,
    response: z.strictObject({ calls: z.array(ApiCallInfo).describe('Newest first.') }),
    run: async ({ ctx, query }) => ({
      calls: await ctx.keys.calls({
        limit: query.limit ?? 50,
        ...(query.before === undefined ? {} : { before: query.before }),
        ...(query.key === undefined ? {} : { keyId: query.key }),
      }),
    }),
  }),
];
