/**
 * /api/v1/openapi.json against the running server: every documented path and method exists and
 * answers 401 without a key, and each, called in turn with a key, answers its documented success
 * status. docs/api.md is the committed generation of the same endpoint list.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { API_MD_PATH, generateApiMarkdown } from '../../scripts/gen-api-docs.js';
import { WsTestClient } from '../helpers/ws-client.js';
import { PASSWORD, startApiNode, type ApiFixture } from './api-fixture.js';

interface Response {
  $ref?: string;
  content?: Record<string, { schema: object }>;
}
interface Operation {
  responses: Record<string, Response>;
  'x-scope'?: string;
  /** Set on the page's own routes (src/http/route-docs.ts), absent on operator endpoints. */
  'x-auth'?: string;
}
type Paths = Record<string, Record<string, Operation>>;
interface Document {
  openapi: string;
  paths: Paths;
  components: { responses: Record<string, Response> };
}

/** The schema of an operation's answer with `status` and `type`, its `$ref` resolved. */
function schemaOf(doc: Document, op: Operation, status: string, type: string): object | undefined {
  let r = op.responses[status] ?? op.responses['default'];
  if (r?.$ref !== undefined) r = doc.components.responses[r.$ref.split('/').pop()!];
  return r?.content?.[type]?.schema;
}

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
  {
    op: 'POST /reports/{id}/resolve',
    path: '/reports/{report1}/resolve',
    body: { note: 'walked' },
  },
  { op: 'POST /reports/{id}/dismiss', path: '/reports/{report2}/dismiss' },
  { op: 'GET /metrics/history', path: '/metrics/history' },
];

/**
 * A call of each of the page's own routes (src/http/route-docs.ts), with the credentials it
 * documents: `session` the walker's own session token, `admin` root's. `{sid}` is the walker's
 * second session, `{hook}` the subscription made.
 */
const PAGE_WALK: { op: string; path: string; body?: unknown; as?: 'session' | 'admin' }[] = [
  { op: 'GET /auth/modes', path: '/auth/modes' },
  {
    op: 'POST /auth/register',
    path: '/auth/register',
    body: { handle: 'pager', password: PASSWORD },
  },
  { op: 'POST /auth/login', path: '/auth/login', body: { handle: 'pager', password: PASSWORD } },
  { op: 'GET /auth/me', path: '/auth/me', as: 'session' },
  { op: 'PATCH /auth/me', path: '/auth/me', body: { name: 'Pager' }, as: 'session' },
  { op: 'GET /auth/sessions', path: '/auth/sessions', as: 'session' },
  { op: 'DELETE /auth/sessions/{id}', path: '/auth/sessions/{sid}', as: 'session' },
  {
    op: 'POST /auth/password',
    path: '/auth/password',
    body: { oldPassword: PASSWORD, newPassword: `${PASSWORD}!` },
    as: 'session',
  },
  { op: 'GET /push/vapid-public-key', path: '/push/vapid-public-key' },
  { op: 'POST /webhooks', path: '/webhooks', body: { url: 'http://127.0.0.1:9/x' }, as: 'admin' },
  { op: 'GET /webhooks', path: '/webhooks', as: 'admin' },
  { op: 'GET /webhooks/{id}', path: '/webhooks/{hook}', as: 'admin' },
  { op: 'PATCH /webhooks/{id}', path: '/webhooks/{hook}', body: { state: 'paused' }, as: 'admin' },
  {
    op: 'POST /webhooks/{id}/replay',
    path: '/webhooks/{hook}/replay',
    body: { from: 1 },
    as: 'admin',
  },
  { op: 'GET /webhooks/{id}/deliveries', path: '/webhooks/{hook}/deliveries', as: 'admin' },
  { op: 'DELETE /webhooks/{id}', path: '/webhooks/{hook}', as: 'admin' },
  { op: 'POST /auth/logout', path: '/auth/logout', as: 'session' },
];

/** Page routes the walk leaves to the tests that set up what they need, by that test. */
const WALKED_ELSEWHERE: Record<string, string> = {
  'POST /auth/upgrade': 'test/http/accounts.test.ts (a guest session)',
  'GET /auth/oidc/start': 'test/http/oidc.test.ts (an OpenID provider)',
  'GET /auth/oidc/callback': 'test/http/oidc.test.ts (an OpenID provider)',
  'POST /uploads': 'test/http/uploads.test.ts',
  'GET /uploads/{id}/link': 'test/http/uploads.test.ts',
  'GET /files/{id}': 'test/http/uploads.test.ts (a signed link)',
  'GET /files/{id}/thumb': 'test/http/uploads.test.ts (an image)',
};

/** Lists the walk sees filled (so their items are validated), by their field. */
const ITEMS: Record<string, string> = {
  'GET /reports': 'reports',
  'GET /metrics/history': 'points',
  'GET /audit': 'calls',
  'GET /api-keys': 'keys',
  'GET /users': 'users',
  'GET /presence': 'nodes',
};

/** Root reports a message over the socket, as a reader of the room would. */
async function report(f: ApiFixture, channel: string, seq: number): Promise<void> {
  const c = await WsTestClient.connect(f.server.wsUrl);
  try {
    await c.hello({ token: f.rootToken });
    await c.call({ type: 'report', channel, seq, reason: 'walk' });
  } finally {
    c.close();
  }
}

/** Two reports in room general, filed over the socket (the API files none): their ids. */
async function fileReports(f: ApiFixture): Promise<[number, number]> {
  const token = await f.register('reporter');
  await f.register('spammer');
  const c = await WsTestClient.connect(f.server.url.replace(/^http/, 'ws') + '/ws');
  try {
    await c.hello({ token });
    for (const text of ['buy', 'now']) {
      const posted = await f.http.post('/rooms/general/messages?as=spammer', { text }, f.rootToken);
      const { seq } = (posted.body as unknown as { message: { seq: number } }).message;
      const r = await c.request({ type: 'report', channel: 'room:general', seq });
      assert.equal(r.type, 'reply', JSON.stringify(r));
    }
  } finally {
    c.close();
  }
  const list = await f.http.call('GET', '/reports', undefined, f.rootToken);
  const ids = (list.body as unknown as { reports: { id: number }[] }).reports.map((r) => r.id);
  assert.equal(ids.length, 2);
  return [ids[1]!, ids[0]!];
}

const sample = (path: string): string =>
  path.replace(/\{(\w+)\}/g, (_, name: string) =>
    name === 'seq' ? '1' : name === 'user' ? 'root' : name === 'room' ? 'general' : 'x',
  );

/** A path naming a room, user, message or id that does not exist. */
const missing = (path: string): string =>
  path.replace(/\{(\w+)\}/g, (_, name: string) =>
    name === 'seq' ? '999' : name === 'user' ? 'nobody' : name === 'room' ? 'nowhere' : 'x',
  );

describe('the OpenAPI document at /api/v1/openapi.json', () => {
  let f: ApiFixture;
  let doc: Document;
  let paths: Paths;
  before(async () => {
    f = await startApiNode({ webhooks: true, webhookAllow: ['127.0.0.1'] });
    const res = await fetch(`${f.server.url}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as Document;
    assert.equal(doc.openapi, '3.1.0');
    paths = doc.paths;
  });
  after(() => f.server.stop());

  test('documents the issue\u2019s examples: GET /rooms and POST /rooms/{room}/messages', () => {
    assert.ok(paths['/rooms']?.['get']);
    assert.ok(paths['/rooms/{room}/messages']?.['post']);
  });

  test('documents every route the server serves under /api/v1, and no other', () => {
    const served = f.server
      .apiRoutes()
      .map((r) => `${r.method} ${r.path}`)
      .filter((op) => op !== 'GET /openapi.json');
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    assert.equal(new Set(served).size, served.length, 'no route is registered twice');
    assert.deepEqual(
      served.filter((op) => !documented.includes(op)),
      [],
      'served but undocumented',
    );
    assert.deepEqual(
      documented.filter((op) => !served.includes(op)),
      [],
      'documented but not served',
    );
    assert.ok(served.includes('POST /auth/login') && served.includes('GET /webhooks'));
  });

  test('every documented operator path and method exists and answers its documented 401 problem SB_ERR_API_KEY_INVALID without a key', async () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    for (const [path, methods] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (operation['x-auth'] !== undefined) continue; // the page's own routes: below

        const res = await fetch(`${f.server.url}/api/v1${sample(path)}`, {
          method: method.toUpperCase(),
        });
        const body = (await res.json()) as { code: string };
        assert.equal(res.status, 401, `${method} ${path}`);
        assert.equal(res.headers.get('content-type'), 'application/problem+json');
        assert.equal(body.code, 'SB_ERR_API_KEY_INVALID', `${method} ${path}`);
        const schema = schemaOf(doc, operation, '401', 'application/problem+json');
        assert.ok(schema, `${method} ${path}: 401 documented as a problem`);
        const validate = ajv.compile(schema);
        assert.ok(validate(body), `${method} ${path}: ${ajv.errorsText(validate.errors)}`);
      }
    }
  });

  test('each operation naming what does not exist answers a documented problem status, with a documented problem', async () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const key = await f.key();
    let checked = 0;
    for (const [path, methods] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const auth = operation['x-auth'];
        if (!path.includes('{') || (auth !== undefined && auth !== 'apiKey')) continue;
        const body = method === 'get' || method === 'delete' ? undefined : {};
        const r = await f.http.call(method.toUpperCase(), missing(path), body, key);
        const op = `${method.toUpperCase()} ${path} ${r.status}`;
        if (r.status < 300) continue; // a guest handle needs no account: disable, disconnect…
        assert.ok(operation.responses[String(r.status)], `${op} ${r.body.code}: undocumented`);
        const schema = schemaOf(doc, operation, String(r.status), 'application/problem+json');
        assert.ok(schema, `${op}: documented as a problem`);
        const validate = ajv.compile(schema);
        assert.ok(validate(r.body), `${op}: ${ajv.errorsText(validate.errors)}`);
        checked++;
      }
    }
    assert.ok(checked >= 25, `answers checked: ${checked}`);
  });

  test('every documented operation, called with a key, answers its documented success status', async () => {
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op['x-auth'] === undefined)
        .map(([m]) => `${m.toUpperCase()} ${path}`),
    );
    assert.deepEqual(
      [...WALK.map((w) => w.op)].sort(),
      [...documented].sort(),
      'the walk covers every documented operator endpoint',
    );
    const key = await f.key();
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const untyped: string[] = [];
    let spare = '';
    const [report1, report2] = await fileReports(f);
    for (const step of WALK) {
      const [method, path] = step.op.split(' ') as [string, string];
      const operation = paths[path]![method.toLowerCase()]!;
      const success = Object.keys(operation.responses).find((s) => s.startsWith('2'))!;
      const at = step.path
        .replace('{spare}', spare)
        .replace('{report1}', String(report1))
        .replace('{report2}', String(report2));
      const r = await f.http.call(method, at, step.body, key);
      assert.equal(String(r.status), success, `${step.op}: ${JSON.stringify(r.body)}`);
      if (step.op === 'POST /api-keys') spare = (r.body as unknown as { id: string }).id;
      // So that GET /reports answers a report to validate, not an empty list.
      if (step.op === 'GET /rooms/{room}/messages') await report(f, 'room:walk', 1);
      const schema = schemaOf(doc, operation, success, 'application/json');
      if (schema === undefined) continue; // 204: no body
      if (Object.keys(schema).length === 0) {
        untyped.push(step.op);
        continue;
      }
      const validate = ajv.compile(schema);
      assert.ok(validate(r.body), `${step.op}: ${ajv.errorsText(validate.errors)}`);
      const items = ITEMS[step.op];
      if (items !== undefined) {
        const list = (r.body as unknown as Record<string, unknown[]>)[items]!;
        assert.ok(list.length > 0, `${step.op}: an item of ${items} to validate`);
      }
    }
    assert.deepEqual(untyped, [], 'endpoints answering JSON without a response schema');
  });
});

describe('the page\u2019s own routes in /api/v1/openapi.json', () => {
  let f: ApiFixture;
  let doc: Document;
  let paths: Paths;
  before(async () => {
    f = await startApiNode({ webhooks: true, webhookAllow: ['127.0.0.1'] });
    doc = (await (await fetch(`${f.server.url}/api/v1/openapi.json`)).json()) as Document;
    paths = doc.paths;
  });
  after(() => f.server.stop());

  test('every documented answer with a JSON body has a schema, walked here or not', () => {
    const untyped = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, op]) =>
        Object.entries(op.responses)
          .filter(([, r]) => r.content?.['application/json'] !== undefined)
          .filter(([, r]) => Object.keys(r.content!['application/json']!.schema).length === 0)
          .map(([status]) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    );
    assert.deepEqual(untyped, [], 'answers documented as any JSON');
  });

  test('each route needing credentials answers its documented 401 problem without them', async () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    let checked = 0;
    for (const [path, methods] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (op['x-auth'] !== 'session' && op['x-auth'] !== 'apiKey') continue;
        const r = await fetch(`${f.server.url}/api/v1${sample(path)}`, {
          method: method.toUpperCase(),
        });
        assert.equal(r.status, 401, `${method} ${path}`);
        assert.equal(r.headers.get('content-type'), 'application/problem+json');
        const schema = schemaOf(doc, op, '401', 'application/problem+json');
        assert.ok(op.responses['401'] && schema, `${method} ${path}: 401 documented`);
        const validate = ajv.compile(schema);
        const body: unknown = await r.json();
        assert.ok(validate(body), `${method} ${path}: ${ajv.errorsText(validate.errors)}`);
        checked++;
      }
    }
    assert.ok(checked >= 15, `routes checked: ${checked}`);
  });

  test('each, called with the credentials it documents, answers its documented success status and schema', async () => {
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op['x-auth'] !== undefined)
        .map(([m]) => `${m.toUpperCase()} ${path}`),
    );
    assert.deepEqual(
      [...PAGE_WALK.map((w) => w.op), ...Object.keys(WALKED_ELSEWHERE)].sort(),
      [...documented].sort(),
      'the walk and the list of routes walked elsewhere cover every page route',
    );
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    let session = '';
    let sid = '';
    let hook = '';
    for (const step of PAGE_WALK) {
      const [method, path] = step.op.split(' ') as [string, string];
      const operation = paths[path]![method.toLowerCase()]!;
      const success = Object.keys(operation.responses).find((s) => /^[23]/.test(s));
      const token = step.as === 'admin' ? f.rootToken : step.as === 'session' ? session : undefined;
      const url = step.path.replace('{sid}', sid).replace('{hook}', hook);
      const r = await f.http.call(method, url, step.body, token);
      assert.equal(String(r.status), success, `${step.op}: ${JSON.stringify(r.body)}`);
      const schema = schemaOf(doc, operation, success!, 'application/json');
      if (schema !== undefined) {
        const validate = ajv.compile(schema);
        assert.ok(validate(r.body), `${step.op}: ${ajv.errorsText(validate.errors)}`);
      }
      const body = r.body as unknown as Record<string, unknown>;
      if (step.op === 'POST /auth/register') session = String(body['token']);
      if (step.op === 'GET /auth/sessions')
        sid = (body['sessions'] as { id: string; current: boolean }[]).find((s) => !s.current)!.id;
      if (step.op === 'POST /webhooks') hook = String(body['id']);
    }
  });
});

test('docs/api.md is the generation of the endpoint list (run `npm run docs`)', async () => {
  assert.equal(readFileSync(API_MD_PATH, 'utf8'), await generateApiMarkdown());
});
