/**
 * The OpenAPI 3.1 document of the API, made from the endpoint list and its zod schemas
 * (`z.toJSONSchema`), served at /api/v1/openapi.json. Every endpoint needs a bearer API key;
 * its scope is `x-scope`. Errors are problem+json bodies (./problem.ts) with registry codes.
 */
import { z } from 'zod';
import { VERSION } from '../../version.js';
import type { Endpoint } from './endpoint.js';
import { API_SCOPES } from './scopes.js';

const PROBLEM = { $ref: '#/components/responses/Problem' };

function schemaOf(s: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...schema } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  return schema;
}

function parameters(e: Endpoint): unknown[] {
  const path = [...e.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
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
    operationId: `${e.method.toLowerCase()}${e.path.replace(/[{}]/g, '').replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase())}`,
    summary: e.summary,
    tags: [e.tag],
    'x-scope': e.scope,
    security: [{ apiKey: [] }, { adminSession: [] }],
    parameters: parameters(e),
    ...(e.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schemaOf(e.body) } },
          },
        }
      : {}),
    responses: {
      [String(e.status)]:
        e.status === 204
          ? { description: 'Done; no body.' }
          : { description: 'Success.', content: { 'application/json': { schema: {} } } },
      '400': PROBLEM,
      '401': PROBLEM,
      '403': PROBLEM,
      '429': PROBLEM,
      default: PROBLEM,
    },
  };
}

export function openApiDocument(endpoints: readonly Endpoint[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) (paths[e.path] ??= {})[e.method.toLowerCase()] = operation(e);
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
