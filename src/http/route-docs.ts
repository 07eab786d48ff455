/**
 * The routes under /api/v1 that are not operator endpoints (./api/endpoint.ts) as data for the
 * OpenAPI document: the page's sign-in and account routes, OIDC, uploads and files, the push key
 * and webhooks. Each file registers its routes on the ApiRouter; this table says what each is.
 * test/http/openapi.test.ts compares the router's routes with the document both ways, so a route
 * added without a row here (or a row without its route) fails, and it validates the answers of
 * the routes it calls against their `response`.
 */
import type { z } from 'zod';
import { IssuedSession } from './api/responses.js';
import {
  AuthModes,
  Deliveries,
  FileLink,
  Me,
  NewWebhook,
  Sessions,
  UploadInfo,
  VapidKey,
  Webhook,
  Webhooks,
} from './route-responses.js';

/** How a route is called: no credentials, a session token, a signed link, or an API key. */
export type RouteAuth = 'none' | 'session' | 'signed-link' | 'apiKey';

export interface RouteDoc {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI form, below /api/v1. */
  path: string;
  tag: string;
  summary: string;
  auth: RouteAuth;
  /** The success status. */
  status: number;
  /** A scope an API key needs (`apiKey` routes). */
  scope?: string;
  /**
   * The success body: a JSON schema (./route-responses.ts), or `bytes` for a file of any type.
   * Absent only for a status without a body (204, 302).
   */
  response?: z.ZodType | 'bytes';
  /**
   * Problem statuses (../problem.ts) the route answers beyond those its method, credentials and
   * path imply (./api/openapi.ts): a mode turned off, a name taken, a throttle.
   */
  errors?: readonly number[];
}

const auth = (
  method: RouteDoc['method'],
  path: string,
  status: number,
  a: RouteAuth,
  summary: string,
  more: Pick<RouteDoc, 'response' | 'errors'> = {},
): RouteDoc => ({ method, path: `/auth${path}`, tag: 'auth', summary, auth: a, status, ...more });

/** Register and login: a bad body, 403 with password sign-in off, 429 while throttled. */
const SIGN_IN_ERRORS = [400, 403, 429];

const webhook = (
  method: RouteDoc['method'],
  path: string,
  status: number,
  summary: string,
  more: Pick<RouteDoc, 'response' | 'errors'> = {},
): RouteDoc => ({
  method,
  path: `/webhooks${path}`,
  tag: 'webhooks',
  summary: `${summary} (docs/webhooks.md)`,
  auth: 'apiKey',
  scope: 'webhooks:write',
  status,
  ...more,
});

/** A position retention already pruned: 409 SB_ERR_WEBHOOK_POSITION_PRUNED. */
const PRUNED = [409];

export const ROUTE_DOCS: readonly RouteDoc[] = [
  auth('GET', '/modes', 200, 'none', 'The sign-in modes this server offers (docs/auth.md).', {
    response: AuthModes,
  }),
  auth('POST', '/register', 201, 'none', 'Create an account and sign in: a session token.', {
    response: IssuedSession,
    errors: [...SIGN_IN_ERRORS, 409],
  }),
  auth('POST', '/login', 200, 'none', 'Sign in with handle and password: a session token.', {
    response: IssuedSession,
    errors: SIGN_IN_ERRORS,
  }),
  auth('POST', '/logout', 204, 'session', 'End this session.'),
  auth('GET', '/me', 200, 'session', 'The signed-in account.', { response: Me }),
  auth('PATCH', '/me', 200, 'session', 'Change the display name.', {
    response: Me,
    errors: [400, 409],
  }),
  auth('GET', '/sessions', 200, 'session', 'The account\u2019s sessions (devices).', {
    response: Sessions,
  }),
  auth('DELETE', '/sessions/{id}', 204, 'session', 'End one of the account\u2019s sessions.'),
  auth('POST', '/password', 204, 'session', 'Change the password.', { errors: [400, 429] }),
  auth('POST', '/upgrade', 200, 'session', 'Turn a guest handle into an account.', {
    response: IssuedSession,
    errors: [400, 403, 409],
  }),
  // Both: 403 SB_ERR_AUTH_MODE_DISABLED with OIDC off; the provider unreachable: 503.
  auth('GET', '/oidc/start', 302, 'none', 'OpenID Connect sign-in: redirects to the provider.', {
    errors: [403, 503],
  }),
  auth(
    'GET',
    '/oidc/callback',
    302,
    'none',
    'The provider\u2019s redirect back: to the page, with `#sb-oidc-token=` or `#sb-oidc-error=<code>`.',
    { errors: [403] },
  ),
  {
    method: 'POST',
    path: '/uploads',
    tag: 'files',
    summary: 'Upload a file (raw body) for a channel; answers its record (docs/files.md).',
    auth: 'session',
    status: 201,
    response: UploadInfo,
    errors: [403, 404, 413, 415, 422],
  },
  {
    method: 'GET',
    path: '/uploads/{id}/link',
    tag: 'files',
    summary: 'A signed, expiring link to an uploaded file the caller may read.',
    auth: 'session',
    status: 200,
    response: FileLink,
  },
  {
    method: 'GET',
    path: '/files/{id}',
    tag: 'files',
    summary: 'The file of a signed link.',
    auth: 'signed-link',
    status: 200,
    response: 'bytes',
  },
  {
    method: 'GET',
    path: '/files/{id}/thumb',
    tag: 'files',
    summary: 'The thumbnail of an image, by a signed link.',
    auth: 'signed-link',
    status: 200,
    response: 'bytes',
  },
  {
    method: 'GET',
    path: '/push/vapid-public-key',
    tag: 'push',
    summary: 'The VAPID public key for Web Push subscriptions (404 with push off).',
    auth: 'none',
    status: 200,
    response: VapidKey,
    errors: [404],
  },
  webhook('GET', '', 200, 'List webhook subscriptions with their delivery state', {
    response: Webhooks,
  }),
  webhook('POST', '', 201, 'Subscribe a URL to events; the secret is shown once', {
    response: NewWebhook,
    errors: [400, ...PRUNED],
  }),
  webhook('GET', '/{id}', 200, 'One subscription', { response: Webhook }),
  webhook('PATCH', '/{id}', 200, 'Change a subscription, pause or resume it', {
    response: Webhook,
    errors: [400],
  }),
  webhook('DELETE', '/{id}', 204, 'Remove a subscription'),
  webhook('POST', '/{id}/replay', 200, 'Rewind a subscription\u2019s cursor to an event position', {
    response: Webhook,
    errors: [400, ...PRUNED],
  }),
  webhook(
    'GET',
    '/{id}/deliveries',
    200,
    'The subscription\u2019s newest delivery attempts (100)',
    {
      response: Deliveries,
      errors: [400], // ?limit out of 1-100
    },
  ),
];
