/**
 * The account routes of docs/auth.md under /api/v1/auth. Bodies are zod-checked (./body.ts);
 * every answer is JSON or a problem (./problem.ts). With `password` off in `--auth`, register and
 * login answer 403 SB_ERR_AUTH_MODE_DISABLED; the routes of existing sessions keep working.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { AccountService, Origin } from '../auth/accounts.js';
import { SwitchboardError } from '../errors.js';
import { readJson } from './body.js';
import type { ApiRouter } from './router.js';

export interface AuthRoutesOptions {
  /** The `--auth` modes, with `oidc` when `--oidc-issuer` turns it on. */
  modes: readonly string[];
  /** The button's provider name when OIDC is on, else null. */
  oidc: { name: string } | null;
}

const handle = z.string().max(64);
// No length bound here: the service bounds it (8-1024 bytes) with SB_ERR_PASSWORD_INVALID.
const password = z.string();
const device = z.string().max(1024).optional();
const credentials = z.object({ handle, password, device });

/** The bearer token of the Authorization header, or null without one. */
export function bearerToken(req: IncomingMessage): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
}

/** The bearer token of the Authorization header; SB_ERR_NOT_AUTHENTICATED without one. */
export function bearer(req: IncomingMessage): string {
  const token = bearerToken(req);
  if (token === null)
    throw new SwitchboardError('SB_ERR_NOT_AUTHENTICATED', 'send Authorization: Bearer <token>');
  return token;
}

/** The device label and the address a request comes from (the socket's peer: see docs/auth.md). */
function origin(req: IncomingMessage, named?: string): Origin {
  return {
    device: named ?? req.headers['user-agent'] ?? '',
    address: req.socket.remoteAddress ?? 'unknown',
  };
}

export function addAuthRoutes(
  router: ApiRouter,
  accounts: AccountService,
  options: AuthRoutesOptions,
): void {
  const passwordMode = (): void => {
    if (!options.modes.includes('password')) {
      throw new SwitchboardError('SB_ERR_AUTH_MODE_DISABLED', 'password sign-in is turned off');
    }
  };
  router
    .add('GET', '/auth/modes', async () => ({
      status: 200,
      body: { modes: options.modes, oidc: options.oidc },
    }))
    .add('POST', '/auth/register', async ({ req }) => {
      passwordMode();
      const body = await readJson(req, credentials);
      return {
        status: 201,
        body: await accounts.register(body.handle, body.password, origin(req, body.device)),
      };
    })
    .add('POST', '/auth/login', async ({ req }) => {
      passwordMode();
      const body = await readJson(req, credentials);
      return {
        status: 200,
        body: await accounts.login(body.handle, body.password, origin(req, body.device)),
      };
    })
    .add('POST', '/auth/logout', async ({ req }) => {
      await accounts.logout(bearer(req));
      return { status: 204 };
    })
    .add('GET', '/auth/me', async ({ req }) => ({
      status: 200,
      body: await accounts.me(bearer(req)),
    }))
    .add('PATCH', '/auth/me', async ({ req }) => {
      const token = bearer(req);
      const body = await readJson(req, z.object({ name: z.string().max(1024).nullable() }));
      return { status: 200, body: await accounts.rename(token, body.name) };
    })
    .add('GET', '/auth/sessions', async ({ req }) => ({
      status: 200,
      body: { sessions: await accounts.sessions(bearer(req)) },
    }))
    .add('DELETE', '/auth/sessions/:id', async ({ req, params }) => {
      await accounts.revoke(bearer(req), params['id']!);
      return { status: 204 };
    })
    .add('POST', '/auth/password', async ({ req }) => {
      const token = bearer(req);
      const body = await readJson(req, z.object({ oldPassword: password, newPassword: password }));
      const address = origin(req).address;
      await accounts.changePassword(token, body.oldPassword, body.newPassword, address);
      return { status: 204 };
    })
    .add('POST', '/auth/upgrade', async ({ req }) => {
      passwordMode();
      const token = bearer(req);
      const body = await readJson(req, z.object({ password, device }));
      return {
        status: 200,
        body: await accounts.upgrade(token, body.password, origin(req, body.device)),
      };
    });
}
