/**
 * Schemas of the answers several endpoint files share: accounts, issued sessions, API keys and
 * the call log. Each is a strict object, so test/http/openapi.test.ts fails on a field the
 * server answers and the document does not name.
 */
import { z } from 'zod';
import { handle } from './schemas.js';
import { API_SCOPES } from './scopes.js';

const ms = (what: string) => z.number().int().describe(`${what} (ms since the epoch).`);

export const AccountInfo = z
  .strictObject({
    user: handle,
    name: z.string().nullable().describe('Display name; null: none set.'),
    roles: z.array(z.string()).describe('Server roles (`admin`, `bot`, …).'),
    bot: z.boolean().describe('A bot account (server role `bot`).'),
    connections: z.number().int().min(0).describe('Open connections on every node.'),
    disabled: z.boolean().describe('A server-wide ban holds (POST /users/{user}/disable).'),
  })
  .describe('An account as the console shows it.');

export const IssuedSession = z
  .strictObject({
    token: z.string().describe('Session token for `hello {token}`; shown only here.'),
    user: z.strictObject({ user: handle, name: z.string().nullable() }),
  })
  .describe('A new session of an account.');

export const ApiKeyInfo = z
  .strictObject({
    id: z.string().describe('Public id: what listings show and revoke takes.'),
    name: z.string(),
    scopes: z.array(z.enum(API_SCOPES)),
    createdBy: z.string().describe('The server admin (or `cli`) who created it.'),
    createdAt: ms('When it was created'),
    revokedAt: ms('When it was revoked').nullable().describe('Null while the key works.'),
  })
  .describe('An API key, without the key itself.');

export const ApiCallInfo = z
  .strictObject({
    id: z.number().int().min(1),
    keyId: z.string().describe('The key\u2019s id, or `session:<handle>` for an admin session.'),
    method: z.string(),
    path: z.string().describe('Without its query string.'),
    status: z.number().int(),
    ts: ms('When it was answered'),
  })
  .describe('One call of the call log.');
