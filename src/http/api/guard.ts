/**
 * What every API call passes before its endpoint runs, in this order: a live API key (401
 * SB_ERR_API_KEY_INVALID), or a server admin's session token (any other session: 403
 * SB_ERR_ADMIN_REQUIRED; the admin console at /admin calls the API this way); a key's scope
 * (403 SB_ERR_API_SCOPE_MISSING; an admin session has every scope); the key's rate (429 SB_ERR_RATE_LIMITED with Retry-After);
 * the query and body schemas (400/413/415). Every call made with a key or an admin session is
 * then logged with its status, failures too; a call that names no valid key is not.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { SwitchboardError } from '../../errors.js';
import { HANDLE_RE } from '../../protocol/frames.js';
import { bearerToken } from '../auth-routes.js';
import { readJson } from '../body.js';
import { toProblem } from '../problem.js';
import type { Handler, Reply } from '../router.js';
import { API_KEY_PREFIX } from './api-keys.js';
import {
  isReply,
  type ApiContext,
  type Caller,
  type Endpoint,
  type HeadlessActor,
} from './endpoint.js';
import { hasScope } from './scopes.js';

async function callerOf(ctx: ApiContext, req: IncomingMessage): Promise<Caller> {
  const token = bearerToken(req);
  if (token !== null && !token.startsWith(API_KEY_PREFIX)) {
    const session = await ctx.accounts.session(token).catch(() => null);
    if (!session) throw new SwitchboardError('SB_ERR_API_KEY_INVALID');
    const account = await ctx.accounts.account(session.handle);
    if (!account?.roles.includes(ctx.adminRole))
      throw new SwitchboardError('SB_ERR_ADMIN_REQUIRED');
    return { key: null, user: session.handle, label: `session:${session.handle}` };
  }
  const key = await ctx.keys.authenticate(token);
  return { key, user: key.createdBy, label: key.id };
}

function parseQuery(req: IncomingMessage, schema: z.ZodType | undefined): unknown {
  if (!schema) return undefined;
  const params = new URL(req.url ?? '/', 'http://api').searchParams;
  const parsed = schema.safeParse(Object.fromEntries(params));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new SwitchboardError(
    'SB_ERR_HTTP_BAD_REQUEST',
    `query ${issue.path.join('.') || ''}: ${issue.message}`,
  );
}

async function actorOf(ctx: ApiContext, caller: Caller, as?: string): Promise<HeadlessActor> {
  const user = (as ?? caller.user).toLowerCase();
  if (!HANDLE_RE.test(user)) throw new SwitchboardError('SB_ERR_HANDLE_INVALID');
  const account = await ctx.accounts.account(user);
  return { user, roles: account?.roles ?? [] };
}

/** No body was sent, and the endpoint's body schema allows none (an optional body). */
const omitted = (req: IncomingMessage, body: z.ZodType): boolean =>
  (req.headers['content-length'] ?? '0') === '0' &&
  req.headers['transfer-encoding'] === undefined &&
  body.safeParse(undefined).success;

/** The router handler of one endpoint: the checks above, the endpoint, the audit entry. */
export function guarded(ctx: ApiContext, e: Endpoint, onError: (err: unknown) => void): Handler {
  return async ({ req, params }) => {
    const caller = await callerOf(ctx, req);
    let status = 500;
    try {
      if (caller.key) {
        if (!hasScope(caller.key.scopes, e.scope))
          throw new SwitchboardError('SB_ERR_API_SCOPE_MISSING', `this call needs ${e.scope}`);
        ctx.keys.admit(caller.key.id);
      }
      const query = parseQuery(req, e.query);
      const body = e.body && !omitted(req, e.body) ? await readJson(req, e.body) : undefined;
      const out = await e.run({
        ctx,
        req,
        params,
        body,
        query,
        caller,
        actor: (as) => actorOf(ctx, caller, as),
      });
      const r: Reply = isReply(out) ? out : { status: e.status, body: out };
      status = r.status;
      return r;
    } catch (err) {
      status = toProblem(err).status;
      throw err;
    } finally {
      const path = (req.url ?? '/').split('?')[0]!;
      ctx.keys
        .record({ keyId: caller.label, method: req.method ?? 'GET', path, status })
        .catch(onError);
    }
  };
}
