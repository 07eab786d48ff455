/**
 * /api/v1/openapi.json against the running server: every documented path and method exists and
 * answers 401 without a key, and each, called in turn with a key, answers its documented success
 * status. docs/api.md is the committed generation of the same endpoint list.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { API_MD_PATH, generateApiMarkdown } from '../../scripts/gen-api-docs.js';
import { startApiNode, type ApiFixture } from './api-fixture.js';

interface Operation {
  responses: Record<string, unknown>;
  'x-scope': string;
}
type Paths = Record<string, Record<string, Operation>>;

/** A call of each documented operation, in an order where each finds what it needs. */
const WALK: { op: string; path: string; body?: unknown }[] = [
  { op: 'POST /users', path: '/users', body: { user: 'walker' } },
  { op: 'GET /users/{user}', path: '/users/walker' },
  { op: 'GET /users', path: '/users?q=walk&limit=5' },
  { op: 'PUT /users/{user}/roles/admin', path: '/users/walker/roles/admin' },
  { op: 'DELETE /users/{user}/roles/admin', path: '/users/walker/roles/admin' },
  { op: 'POST /rooms', path: '/rooms', body: { room: 'walk' } },
  { op: 'PUT /rooms/{room}/members/{user}', path: '/rooms/walk/members/walker' },
  {
    op: 'POST /rooms/{room}/messages',
    path: '/rooms/walk/messages?as=walker',
    body: { text: 'hello' },
  },
  { op: 'GET /rooms/{room}/messages', path: '/rooms/walk/messages?as=walker&limit=10' },
  {
    op: 'PATCH /rooms/{room}/messages/{seq}',
    path: '/rooms/walk/messages/1?as=walker',
    body: { text: 'hello!' },
  },
  { op: 'DELETE /rooms/{room}/messages/{seq}', path: '/rooms/walk/messages/1?as=walker' },
  {
    op: 'POST /users/{user}/messages',
    path: '/users/root/messages?as=walker',
    body: { text: 'hi' },
  },
  { op: 'GET /search', path: '/search?as=walker&q=hi' },
  { op: 'GET /rooms', path: '/rooms' },
  { op: 'PATCH /rooms/{room}', path: '/rooms/walk', body: { slowMode: 0, topic: 'Walking' } },
  { op: 'GET /rooms/{room}/members', path: '/rooms/walk/members' },
  {
    op: 'PUT /rooms/{room}/members/{user}/role',
    path: '/rooms/walk/members/walker/role',
    body: { role: 'moderator' },
  },
  {
    op: 'PUT /rooms/{room}/mutes/{user}',
    path: '/rooms/walk/mutes/walker',
    body: { duration: 60 },
  },
  { op: 'DELETE /rooms/{room}/mutes/{user}', path: '/rooms/walk/mutes/walker' },
  { op: 'GET /rooms/{room}/presence', path: '/rooms/walk/presence' },
  { op: 'POST /rooms/{room}/archive', path: '/rooms/walk/archive' },
  { op: 'POST /rooms/{room}/unarchive', path: '/rooms/walk/unarchive' },
  { op: 'DELETE /rooms/{room}/members/{user}', path: '/rooms/walk/members/walker?reason=test' },
  { op: 'PUT /rooms/{room}/bans/{user}', path: '/rooms/walk/bans/walker', body: {} },
  { op: 'DELETE /rooms/{room}/bans/{user}', path: '/rooms/walk/bans/walker' },
  { op: 'GET /presence', path: '/presence' },
  { op: 'POST /users/{user}/sessions', path: '/users/walker/sessions', body: {} },
  { op: 'DELETE /users/{user}/sessions', path: '/users/walker/sessions' },
  { op: 'POST /users/{user}/disconnect', path: '/users/walker/disconnect' },
  { op: 'POST /users/{user}/disable', path: '/users/walker/disable', body: {} },
  { op: 'POST /users/{user}/enable', path: '/users/walker/enable' },
  { op: 'GET /api-keys', path: '/api-keys' },
  { op: 'POST /api-keys', path: '/api-keys', body: { name: 'spare', scopes: ['rooms:read'] } },
  { op: 'DELETE /api-keys/{id}', path: '/api-keys/{spare}' },
  { op: 'GET /audit', path: '/audit?limit=5' },
  { op: 'GET /health', path: '/health' },
  { op: 'GET /reports', path: '/reports?limit=5' },
  { op: 'GET /metrics/history', path: '/metrics/history' },
];

const sample = (path: string): string =>
  path.replace(/\{(\w+)\}/g, (_, name: string) =>
    name === 'seq' ? '1' : name === 'user' ? 'root' : name === 'room' ? 'general' : 'x',
  );

describe('the OpenAPI document at /api/v1/openapi.json', () => {
  let f: ApiFixture;
  let paths: Paths;
  before(async () => {
    f = await startApiNode();
    const res = await fetch(`${f.server.url}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { openapi: string; paths: Paths };
    assert.equal(doc.openapi, '3.1.0');
    paths = doc.paths;
  });
  after(() => f.server.stop());

  test('documents the issue\u2019s examples: GET /rooms and POST /rooms/{room}/messages', () => {
    assert.ok(paths['/rooms']?.['get']);
    assert.ok(paths['/rooms/{room}/messages']?.['post']);
  });

  test('every documented path and method exists and answers 401 SB_ERR_API_KEY_INVALID without a key', async () => {
    for (const [path, methods] of Object.entries(paths)) {
      for (const method of Object.keys(methods)) {
        const res = await fetch(`${f.server.url}/api/v1${sample(path)}`, {
          method: method.toUpperCase(),
        });
        const body = (await res.json()) as { code: string };
        assert.equal(res.status, 401, `${method} ${path}`);
        assert.equal(body.code, 'SB_ERR_API_KEY_INVALID', `${method} ${path}`);
      }
    }
  });

  test('every documented operation, called with a key, answers its documented success status', async () => {
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    assert.deepEqual(
      [...WALK.map((w) => w.op)].sort(),
      [...documented].sort(),
      'the walk covers every documented operation',
    );
    const key = await f.key();
    let spare = '';
    for (const step of WALK) {
      const [method, path] = step.op.split(' ') as [string, string];
      const operation = paths[path]![method.toLowerCase()]!;
      const success = Object.keys(operation.responses).find((s) => s.startsWith('2'));
      const r = await f.http.call(method, step.path.replace('{spare}', spare), step.body, key);
      assert.equal(String(r.status), success, `${step.op}: ${JSON.stringify(r.body)}`);
      if (step.op === 'POST /api-keys') spare = (r.body as unknown as { id: string }).id;
    }
  });
});

test('docs/api.md is the generation of the endpoint list (run `npm run docs`)', async () => {
  assert.equal(readFileSync(API_MD_PATH, 'utf8'), await generateApiMarkdown());
});
