/**
 * The routes under /api/v1 that are not operator endpoints (./api/endpoint.ts) as data for the
 * OpenAPI document: the page's sign-in and account routes, OIDC, uploads and files, the push key
 * and webhooks. Each file registers its routes on the ApiRouter; this table says what each is.
 * test/http/openapi.test.ts compares the router's routes with the document both ways, so a route
 * added without a row here (or a row without its route) fails.
 */

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
}

const auth = (
  method: RouteDoc['method'],
  path: string,
  status: number,
  a: RouteAuth,
  summary: string,
): RouteDoc => ({ method, path: `/auth${path}`, tag: 'auth', summary, auth: a, status });

const webhook = (
  method: RouteDoc['method'],
  path: string,
  status: number,
  summary: string,
): RouteDoc => ({
  method,
  path: `/webhooks${path}`,
  tag: 'webhooks',
  summary: `${summary} (docs/webhooks.md)`,
  auth: 'apiKey',
  scope: 'webhooks:write',
  status,
});

export const ROUTE_DOCS: readonly RouteDoc[] = [
  auth('GET', '/modes', 200, 'none', 'The sign-in modes this server offers (docs/auth.md).'),
  auth('POST', '/register', 201, 'none', 'Create an account and sign in: a session token.'),
  auth('POST', '/login', 200, 'none', 'Sign in with handle and password: a session token.'),
  auth('POST', '/logout', 204, 'session', 'End this session.'),
  auth('GET', '/me', 200, 'session', 'The signed-in account.'),
  auth('PATCH', '/me', 200, 'session', 'Change the display name.'),
  auth('GET', '/sessions', 200, 'session', 'The account\u2019s sessions (devices).'),
  auth('DELETE', '/sessions/{id}', 204, 'session', 'End one of the account\u2019s sessions.'),
  auth('POST', '/password', 204, 'session', 'Change the password.'),
  auth('POST', '/upgrade', 200, 'session', 'Turn a guest handle into an account.'),
  auth('GET', '/oidc/start', 302, 'none', 'OpenID Connect sign-in: redirects to the provider.'),
  auth('GET', '/oidc/callback', 302, 'none', 'The provider\u2019s redirect back: to the page.'),
  {
    method: 'POST',
    path: '/uploads',
    tag: 'files',
    summary: 'Upload a file (raw body) for a channel; answers its record (docs/files.md).',
    auth: 'session',
    status: 201,
  },
  {
    method: 'GET',
    path: '/uploads/{id}/link',
    tag: 'files',
    summary: 'A signed, expiring link to an uploaded file the caller may read.',
    auth: 'session',
    status: 200,
  },
  {
    method: 'GET',
    path: '/files/{id}',
    tag: 'files',
    summary: 'The file of a signed link.',
    auth: 'signed-link',
    status: 200,
  },
  {
    method: 'GET',
    path: '/files/{id}/thumb',
    tag: 'files',
    summary: 'The thumbnail of an image, by a signed link.',
    auth: 'signed-link',
    status: 200,
  },
  {
    method: 'GET',
    path: '/push/vapid-public-key',
    tag: 'push',
    summary: 'The VAPID public key for Web Push subscriptions (404 with push off).',
    auth: 'none',
    status: 200,
  },
  webhook('GET', '', 200, 'List webhook subscriptions with their delivery state'),
  webhook('POST', '', 201, 'Subscribe a URL to events; the secret is shown once'),
  webhook('GET', '/{id}', 200, 'One subscription'),
  webhook('PATCH', '/{id}', 200, 'Change a subscription, pause or resume it'),
  webhook('DELETE', '/{id}', 204, 'Remove a subscription'),
  webhook('POST', '/{id}/replay', 200, 'Rewind a subscription\u2019s cursor to an event position'),
  webhook('GET', '/{id}/deliveries', 200, 'The subscription\u2019s newest delivery attempts (100)'),
];
