/**
 * The OpenAPI 3.1 document of everything served under /api/v1: the operator endpoints, made from
 * the endpoint list and its zod schemas (`z.toJSONSchema`), each needing a bearer API key (scope:
 * `x-scope`); and the page's own routes (sign-in, uploads, push key, webhooks) from their table
 * (../route-docs.ts), `x-auth` saying how each is called. Served at /api/v1/openapi.json. Errors
 * are problem+json bodies (../problem.ts) with registry codes.
 */
import { z } from 'zod';
import { VERSION } from '../../version.js';
import type { RouteAuth, RouteDoc } from '../route-docs.js';
import type { Endpoint } from './endpoint.js';
import { API_SCOPES } from './scopes.js';

const PROBLEM = { $ref: '#/components/responses/Problem' };

function schemaOf(s: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _drop, ...schema } = z.toJSONSchema(s, { io, unrepresentable: 'any' });
  return schema;
}

const pathParameters = (path: string): unknown[] =>
  [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));

const operationId = (method: string, path: string): string =>
  `${method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase())}`;

function parameters(e: Endpoint): unknown[] {
  const path = pathParameters(e.path);
  const shape = e.query instanceof z.ZodObject ? e.query.shape : {};
  const query = Object.entries(shape as Record<string, z.ZodType>).map(([name, s]) => {
    const schema = schemaOf(s);
    return {
      name,
      in: 'query',
      required: !s.safeParse(undefined).success,
      ...(typeof schema['description'] === 'string' ? { description: schema['description'] } : {}),
      schema,
    };
  });
  return [...path, ...query];
}

function operation(e: Endpoint): Record<string, unknown> {
  return {
    operationId: operationId(e.method, e.path),
    summary: e.summary,
    tags: [e.tag],
    'x-scope': e.scope,
    security: [{ apiKey: [] }, { adminSession: [] }],
    parameters: parameters(e),
    ...(e.body
      ? {
          requestBody: {
            required: !e.body.safeParse(undefined).success,
            content: { 'application/json': { schema: schemaOf(e.body) } },
          },
        }
      : {}),
    responses: {
      [String(e.status)]:
        e.status === 204
          ? { description: 'Done; no body.' }
          : {
              description: 'Success.',
              content: {
                'application/json': { schema: e.response ? schemaOf(e.response, 'output') : {} },
              },
            },
      '400': PROBLEM,
      '401': PROBLEM,
      '403': PROBLEM,
      // What a path names may not exist: a user, room, message or key (…_NOT_FOUND).
      ...(e.path.includes('{') ? { '404': PROBLEM } : {}),
      '429': PROBLEM,
      default: PROBLEM,
    },
  };
}

const SECURITY: Record<RouteAuth, unknown[]> = {
  none: [],
  session: [{ session: [] }],
  'signed-link': [],
  apiKey: [{ apiKey: [] }, { adminSession: [] }],
};

function success(r: RouteDoc): Record<string, unknown> {
  if (r.status === 204) return { description: 'Done; no body.' };
  if (r.status === 302) return { description: 'A redirect (`location`).' };
  if (r.response === 'bytes')
    return {
      description: 'The file\u2019s bytes, with its media type.',
      content: {
        '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
      },
    };
  return {
    description: 'Success.',
    content: {
      'application/json': { schema: r.response ? schemaOf(r.response, 'output') : {} },
    },
  };
}

/**
 * The problems a route answers: 401 without valid credentials, 403 for a scope or link it
 * checks, 404 for what its path names, and its own `errors` (400 for a body it reads…).
 */
function routeErrors(r: RouteDoc): Record<string, unknown> {
  const statuses = new Set(r.errors);
  if (r.auth === 'session' || r.auth === 'apiKey') statuses.add(401);
  if (r.auth === 'apiKey' || r.auth === 'signed-link') statuses.add(403);
  if (r.path.includes('{')) statuses.add(404);
  return Object.fromEntries([...statuses].sort((a, b) => a - b).map((s) => [String(s), PROBLEM]));
}

function routeOperation(r: RouteDoc): Record<string, unknown> {
  return {
    operationId: operationId(r.method, r.path),
    summary: r.summary,
    tags: [r.tag],
    'x-auth': r.auth,
    ...(r.scope === undefined ? {} : { 'x-scope': r.scope }),
    security: SECURITY[r.auth],
    parameters: pathParameters(r.path),
    responses: { [String(r.status)]: success(r), ...routeErrors(r), default: PROBLEM },
  };
}

export function openApiDocument(
  endpoints: readonly Endpoint[],
  routes: readonly RouteDoc[] = [],
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) (paths[e.path] ??= {})[e.method.toLowerCase()] = operation(e);
  for (const r of routes) (paths[r.path] ??= {})[r.method.toLowerCase()] = routeOperation(r);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard HTTP API',
      version: VERSION,
      description:
        'Server API for operators\u2019 backends (docs/api.md). Scopes: ' + API_SCOPES.join(', '),
    },
    servers: [{ url: '/api/v1' }],
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`sbk_…`).' },
        session: {
          type: 'http',
          scheme: 'bearer',
          description: 'A session token (`/auth/login`, `/auth/register`) or a JWT.',
        },
        adminSession: {
          type: 'http',
          scheme: 'bearer',
          description: 'A session token of a server admin: every scope (the admin console).',
        },
      },
      responses: {
        Problem: {
          description: 'An error: RFC 9457 problem with the registry code (docs/errors.md).',
          content: {
            'application/problem+json': {
              schema: {
                type: 'object',
                required: ['type', 'title', 'status', 'code', 'detail'],
                properties: {
                  type: { type: 'string' },
                  title: { type: 'string' },
                  status: { type: 'integer' },
                  code: { type: 'string', pattern: '^SB_ERR_' },
                  detail: { type: 'string' },
                  retryAfter: { type: 'integer', description: 'ms; also a Retry-After header' },
                },
              },
            },
          },
        },
      },
    },
  };
}
