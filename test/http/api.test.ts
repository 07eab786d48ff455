import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WsTestClient } from '../helpers/ws-client.js';
import { startApiNode, type ApiFixture } from './api-fixture.js';

interface Posted {
  message: { seq: number; text: string; from: string; cid: string };
  duplicate: boolean;
}

async function raw(
  f: ApiFixture,
  method: string,
  path: string,
  init: { key?: string; body?: string; type?: string; headers?: Record<string, string> },
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key) headers['authorization'] = `Bearer ${init.key}`;
  if (init.body !== undefined) headers['content-type'] = init.type ?? 'application/json';
  const res = await fetch(`${f.server.url}/api/v1${path}`, { method, headers, body: init.body });
  const text = await res.text();
  const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, body };
}

describe('the operator API refuses bad calls with coded problems', () => {
  let f: ApiFixture;
  let key: string;
  before(async () => {
    f = await startApiNode({ apiKeyRate: 0.001, apiKeyBurst: 1000 });
    key = await f.key();
  });
  after(() => f.server.stop());

  test('a call without a key is 401 SB_ERR_API_KEY_INVALID as problem+json', async () => {
    const r = await raw(f, 'GET', '/rooms', {});
    assert.equal(r.status, 401);
    assert.equal(r.body['code'], 'SB_ERR_API_KEY_INVALID');
    assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
  });

  test('a session token that opens no session is 401 SB_ERR_API_KEY_INVALID', async () => {
    const r = await raw(f, 'GET', '/rooms', { key: 'not-a-session-token' });
    assert.equal(r.status, 401);
    assert.equal(r.body['code'], 'SB_ERR_API_KEY_INVALID');
  });

  test('a revoked key is 401 SB_ERR_API_KEY_INVALID, and listed with revokedAt', async () => {
    const doomed = await f.key(['rooms:read']);
    assert.equal((await raw(f, 'GET', '/rooms', { key: doomed })).status, 200);
    const list = await raw(f, 'GET', '/api-keys', { key });
    const keys = list.body['keys'] as { id: string; name: string; revokedAt: number | null }[];
    const entry = keys.find((k) => k.name === 'test rooms:read')!;
    assert.ok(!('keyHash' in entry), 'no hash in listings');
    assert.equal((await raw(f, 'DELETE', `/api-keys/${entry.id}`, { key })).status, 204);
    const r = await raw(f, 'GET', '/rooms', { key: doomed });
    assert.equal(r.status, 401);
    assert.equal(r.body['code'], 'SB_ERR_API_KEY_INVALID');
    const again = await raw(f, 'GET', '/api-keys', { key });
    const revoked = (again.body['keys'] as typeof keys).find((k) => k.id === entry.id)!;
    assert.equal(typeof revoked.revokedAt, 'number');
  });

  test('a key lacking the scope is 403 SB_ERR_API_SCOPE_MISSING', async () => {
    const reader = await f.key(['rooms:read']);
    const r = await raw(f, 'POST', '/rooms/general/messages', {
      key: reader,
      body: JSON.stringify({ text: 'hi' }),
    });
    assert.equal(r.status, 403);
    assert.equal(r.body['code'], 'SB_ERR_API_SCOPE_MISSING');
    const keys = await raw(f, 'GET', '/api-keys', { key: reader });
    assert.equal(keys.body['code'], 'SB_ERR_API_SCOPE_MISSING', 'only admin manages keys');
  });

  test('an oversized body is 413 SB_ERR_HTTP_BODY_TOO_LARGE', async () => {
    const r = await raw(f, 'POST', '/rooms/general/messages?as=root', {
      key,
      body: JSON.stringify({ text: 'x'.repeat(20_000) }),
    });
    assert.equal(r.status, 413);
    assert.equal(r.body['code'], 'SB_ERR_HTTP_BODY_TOO_LARGE');
  });

  test('malformed JSON is 400 SB_ERR_HTTP_BAD_REQUEST; a body off the schema too', async () => {
    const bad = await raw(f, 'POST', '/rooms/general/messages', { key, body: '{"text": ' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body['code'], 'SB_ERR_HTTP_BAD_REQUEST');
    const off = await raw(f, 'POST', '/rooms', { key, body: JSON.stringify({ room: 7 }) });
    assert.equal(off.status, 400);
    assert.equal(off.body['code'], 'SB_ERR_HTTP_BAD_REQUEST');
    const type = await raw(f, 'POST', '/rooms', { key, body: '{}', type: 'text/plain' });
    assert.equal(type.body['code'], 'SB_ERR_HTTP_MEDIA_TYPE');
  });

  test('an Idempotency-Key retried with the same body answers 200 with the same message; another body is 409 SB_ERR_IDEMPOTENCY_KEY_REUSED', async () => {
    const post = (text: string) =>
      raw(f, 'POST', '/rooms/general/messages?as=root', {
        key,
        body: JSON.stringify({ text }),
        headers: { 'idempotency-key': 'order-42' },
      });
    const first = await post('shipped');
    assert.equal(first.status, 201);
    const again = await post('shipped');
    assert.equal(again.status, 200);
    const a = first.body as unknown as Posted;
    const b = again.body as unknown as Posted;
    assert.equal(b.duplicate, true);
    assert.equal(b.message.seq, a.message.seq);
    assert.equal(a.message.cid, 'order-42');
    const other = await post('cancelled');
    assert.equal(other.status, 409);
    assert.equal(other.body['code'], 'SB_ERR_IDEMPOTENCY_KEY_REUSED');
    // Without a key the post gets a fresh, time-ordered cid (a UUID version 7).
    const unkeyed = await raw(f, 'POST', '/rooms/general/messages?as=root', {
      key,
      body: JSON.stringify({ text: 'no key' }),
    });
    assert.equal(unkeyed.status, 201);
    assert.match((unkeyed.body as unknown as Posted).message.cid, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  test('creating a key with a session that is not a server admin is 403 SB_ERR_ADMIN_REQUIRED', async () => {
    const token = await f.register('mallory');
    const r = await f.http.post('/api-keys', { name: 'x', scopes: ['admin'] }, token);
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'SB_ERR_ADMIN_REQUIRED');
  });

  test('a command the permission table refuses keeps its code: posting as a non-member is 403 SB_ERR_NOT_A_MEMBER', async () => {
    await raw(f, 'POST', '/rooms', { key, body: JSON.stringify({ room: 'closed' }) });
    await f.register('outsider');
    const r = await raw(f, 'POST', '/rooms/closed/messages?as=outsider', {
      key,
      body: JSON.stringify({ text: 'let me in' }),
    });
    assert.equal(r.status, 403);
    assert.equal(r.body['code'], 'SB_ERR_NOT_A_MEMBER');
  });

  test('every call with a key is in the audit log with its status, failures too', async () => {
    const scoped = await f.key(['rooms:read']);
    await raw(f, 'GET', '/rooms', { key: scoped });
    await raw(f, 'POST', '/rooms', { key: scoped, body: '{}' });
    const keys = (await raw(f, 'GET', '/api-keys', { key })).body['keys'] as {
      id: string;
      createdAt: number;
    }[];
    const id = keys.at(-1)!.id;
    const log = await raw(f, 'GET', `/audit?key=${id}`, { key });
    const calls = log.body['calls'] as { method: string; path: string; status: number }[];
    assert.deepEqual(
      calls.map((c) => [c.method, c.path, c.status]),
      [
        ['POST', '/api/v1/rooms', 403],
        ['GET', '/api/v1/rooms', 200],
      ],
    );
  });
});

describe('the operator API rate-limits each key', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiNode({ apiKeyRate: 0.001, apiKeyBurst: 2 });
  });
  after(() => f.server.stop());

  test('a key over its budget gets 429 SB_ERR_RATE_LIMITED with Retry-After; another key does not', async () => {
    const key = await f.key(['rooms:read']);
    const other = await f.key(['rooms:read']);
    assert.equal((await f.http.call('GET', '/rooms', undefined, key)).status, 200);
    assert.equal((await f.http.call('GET', '/rooms', undefined, key)).status, 200);
    const over = await f.http.call('GET', '/rooms', undefined, key);
    assert.equal(over.status, 429);
    assert.equal(over.body.code, 'SB_ERR_RATE_LIMITED');
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
    assert.equal((await f.http.call('GET', '/rooms', undefined, other)).status, 200);
  });
});

describe('the operator API acts in chat like a socket command', () => {
  let f: ApiFixture;
  let key: string;
  before(async () => {
    f = await startApiNode();
    key = await f.key();
  });
  after(() => f.server.stop());

  test('a bot account made over HTTP connects over the socket and posts over HTTP to a room it was invited to', async () => {
    const made = await f.http.post('/users', { user: 'Robo', bot: true }, key);
    assert.equal(made.status, 201);
    assert.equal((made.body as unknown as { bot: boolean }).bot, true);
    const user = await f.http.call('GET', '/users/robo', undefined, key);
    assert.equal((user.body as unknown as { bot: boolean }).bot, true);
    assert.equal((await f.http.post('/rooms', { room: 'ops' }, key)).status, 201);
    const invite = await f.http.call('PUT', '/rooms/ops/members/robo', undefined, key);
    assert.equal(invite.status, 204);
    const annToken = await f.register('ann');
    await f.http.call('PUT', '/rooms/ops/members/ann', undefined, key);
    const ann = await WsTestClient.connect(f.server.wsUrl);
    await ann.hello({ token: annToken });
    const bot = await WsTestClient.connect(f.server.wsUrl);
    assert.equal((await bot.hello({ token: made.body.token })).user, 'robo');
    const posted = await f.http.post('/rooms/ops/messages?as=robo', { text: 'deploy done' }, key);
    assert.equal(posted.status, 201);
    const seen = await ann.waitFor((m) => m.type === 'message' && m.text === 'deploy done');
    assert.equal(seen.from, 'robo');
    await bot.waitFor((m) => m.type === 'message' && m.text === 'deploy done');
    const online = await f.http.call('GET', '/rooms/ops/presence', undefined, key);
    assert.equal((online.body as unknown as { online: number }).online, 2);
    ann.close();
    bot.close();
  });

  test('disabling a user closes their sockets with 4102 and refuses their posts; enabling lifts it', async () => {
    const token = await f.register('bob');
    const bob = await WsTestClient.connect(f.server.wsUrl);
    await bob.hello({ token });
    assert.equal((await f.http.post('/users/bob/disable', {}, key)).status, 204);
    assert.equal(await bob.waitClosed(), 4102);
    const refused = await f.http.post('/rooms/general/messages?as=bob', { text: 'x' }, key);
    assert.equal(refused.body.code, 'SB_ERR_BANNED');
    const shown = await f.http.call('GET', '/users/bob', undefined, key);
    assert.equal((shown.body as unknown as { disabled: boolean }).disabled, true);
    assert.equal((await f.http.post('/users/bob/enable', undefined, key)).status, 204);
    const ok = await f.http.post('/rooms/general/messages?as=bob', { text: 'back' }, key);
    assert.equal(ok.status, 201);
  });

  test('an issued session token signs the user in; revoking all sessions closes it with 4101', async () => {
    await f.register('cat');
    const issued = await f.http.post('/users/cat/sessions', { device: 'backend' }, key);
    assert.equal(issued.status, 201);
    const cat = await WsTestClient.connect(f.server.wsUrl);
    assert.equal((await cat.hello({ token: issued.body.token })).user, 'cat');
    const revoked = await f.http.call('DELETE', '/users/cat/sessions', undefined, key);
    assert.equal((revoked.body as unknown as { revoked: number }).revoked, 2);
    assert.equal(await cat.waitClosed(), 4101);
  });

  test('rooms are created, changed and moderated over HTTP with the permission table', async () => {
    assert.equal(
      (await f.http.post('/rooms', { room: 'news', kind: 'announcement' }, key)).status,
      201,
    );
    await f.register('dan');
    await f.http.call('PUT', '/rooms/news/members/dan', undefined, key);
    const members = await f.http.call('GET', '/rooms/news/members', undefined, key);
    assert.equal((members.body as unknown as { kind: string }).kind, 'announcement');
    type Page = { members: { user: string }[]; count: number; next?: string };
    const first = (await f.http.call('GET', '/rooms/news/members?limit=1', undefined, key))
      .body as unknown as Page;
    assert.equal(first.count, 2);
    assert.equal(first.members.length, 1);
    const rest = (
      await f.http.call('GET', `/rooms/news/members?limit=1&after=${first.next!}`, undefined, key)
    ).body as unknown as Page;
    assert.equal(rest.next, undefined);
    assert.deepEqual(
      [...first.members, ...rest.members].map((m) => m.user).sort(),
      (members.body as unknown as Page).members.map((m) => m.user).sort(),
    );
    const over = await f.http.call('GET', '/rooms/news/members?limit=5000', undefined, key);
    assert.equal(over.status, 400);
    const denied = await f.http.post('/rooms/news/messages?as=dan', { text: 'hi' }, key);
    assert.equal(denied.body.code, 'SB_ERR_FORBIDDEN');
    await f.http.call('PUT', '/rooms/news/members/dan/role', { role: 'moderator' }, key);
    assert.equal(
      (await f.http.post('/rooms/news/messages?as=dan', { text: 'hi' }, key)).status,
      201,
    );
    const settings = await f.http.call('PATCH', '/rooms/news', { kind: 'public' }, key);
    assert.equal(settings.status, 200);
    const nothing = await f.http.call('PATCH', '/rooms/news', {}, key);
    assert.equal(nothing.status, 400);
    assert.equal(nothing.body.code, 'SB_ERR_HTTP_BAD_REQUEST');
    assert.equal((await f.http.call('PUT', '/rooms/news/mutes/dan', {}, key)).status, 204);
    const muted = await f.http.post('/rooms/news/messages?as=dan', { text: 'x' }, key);
    assert.equal(muted.body.code, 'SB_ERR_MUTED');
    assert.equal(
      (await f.http.call('DELETE', '/rooms/news/mutes/dan', undefined, key)).status,
      204,
    );
    assert.equal(
      (await f.http.call('PUT', '/rooms/news/bans/dan', { reason: 'spam' }, key)).status,
      204,
    );
    const banned = await f.http.call('GET', '/rooms/news/messages?as=dan', undefined, key);
    assert.equal(banned.body.code, 'SB_ERR_BANNED');
  });

  test('a room gets a topic and is archived over HTTP: read-only (409), listed apart, unarchived once', async () => {
    assert.equal((await f.http.post('/rooms', { room: 'attic' }, key)).status, 201);
    const annToken = await f.register('amy');
    await f.http.call('PUT', '/rooms/attic/members/amy', undefined, key);
    const amy = await WsTestClient.connect(f.server.wsUrl);
    await amy.hello({ token: annToken });
    await f.http.post('/rooms/attic/messages?as=amy', { text: 'old news' }, key);
    const long = await f.http.call('PATCH', '/rooms/attic', { topic: 'x'.repeat(251) }, key);
    assert.deepEqual([long.status, long.body.code], [400, 'SB_ERR_TOPIC_TOO_LONG']);
    const topic = await f.http.call('PATCH', '/rooms/attic', { topic: 'Old things' }, key);
    assert.equal(topic.status, 200);
    await amy.waitFor((m) => m.type === 'room' && m.room === 'attic' && m.topic === 'Old things');
    const rooms = async (query: string) =>
      (await f.http.call('GET', `/rooms${query}`, undefined, key)).body as unknown as {
        rooms: { room: string; topic?: string; archived?: true }[];
      };
    assert.equal((await rooms('')).rooms.find((r) => r.room === 'attic')?.topic, 'Old things');

    assert.equal((await f.http.post('/rooms/attic/archive', undefined, key)).status, 204);
    await amy.waitFor((m) => m.type === 'room' && m.room === 'attic' && m.archived === true);
    const late = await f.http.post('/rooms/attic/messages?as=amy', { text: 'late' }, key);
    assert.deepEqual([late.status, late.body.code], [409, 'SB_ERR_ROOM_ARCHIVED']);
    const history = await f.http.call('GET', '/rooms/attic/messages?as=amy', undefined, key);
    assert.equal(history.status, 200);
    assert.equal(
      (await rooms('')).rooms.some((r) => r.room === 'attic'),
      false,
    );
    const archived = (await rooms('?archived=true')).rooms;
    assert.deepEqual(
      archived.map((r) => [r.room, r.archived]),
      [['attic', true]],
    );
    const twice = await f.http.post('/rooms/attic/archive', undefined, key);
    assert.deepEqual([twice.status, twice.body.code], [409, 'SB_ERR_ROOM_ARCHIVED']);

    assert.equal((await f.http.post('/rooms/attic/unarchive', undefined, key)).status, 204);
    const again = await f.http.post('/rooms/attic/unarchive', undefined, key);
    assert.deepEqual([again.status, again.body.code], [409, 'SB_ERR_ROOM_NOT_ARCHIVED']);
    const back = await f.http.post('/rooms/attic/messages?as=amy', { text: 'back' }, key);
    assert.equal(back.status, 201);
    const asAmy = await f.http.post('/rooms/attic/archive?as=amy', undefined, key);
    assert.deepEqual([asAmy.status, asAmy.body.code], [403, 'SB_ERR_FORBIDDEN']);
    amy.close();
  });

  test('a post answers in a thread (alsoToRoom too); a thread root that is no message is 404', async () => {
    const root = await f.http.post('/rooms/general/messages?as=root', { text: 'plan?' }, key);
    const rootSeq = (root.body as unknown as Posted).message.seq;
    const answer = await f.http.post(
      '/rooms/general/messages?as=root',
      { text: 'this', thread: rootSeq, alsoToRoom: true },
      key,
    );
    assert.equal(answer.status, 201);
    const stored = (answer.body as unknown as { message: { thread?: number; alsoToRoom?: true } })
      .message;
    assert.deepEqual([stored.thread, stored.alsoToRoom], [rootSeq, true]);
    const bad = await f.http.post(
      '/rooms/general/messages?as=root',
      { text: 'lost', thread: 999_999 },
      key,
    );
    assert.equal(bad.status, 404);
    assert.equal(bad.body['code'], 'SB_ERR_MESSAGE_NOT_FOUND');
  });

  test('a message is edited and deleted over HTTP, and history shows it', async () => {
    const posted = await f.http.post('/rooms/general/messages?as=root', { text: 'draft' }, key);
    const seq = (posted.body as unknown as Posted).message.seq;
    const edit = await f.http.call(
      'PATCH',
      `/rooms/general/messages/${seq}?as=root`,
      { text: 'final' },
      key,
    );
    assert.equal(edit.status, 200);
    const page = await f.http.call(
      'GET',
      '/rooms/general/messages?as=root&limit=5',
      undefined,
      key,
    );
    const messages = (page.body as unknown as { messages: { seq: number; text: string }[] })
      .messages;
    assert.equal(messages.find((m) => m.seq === seq)?.text, 'final');
    const del = await f.http.call(
      'DELETE',
      `/rooms/general/messages/${seq}?as=root`,
      undefined,
      key,
    );
    assert.equal(del.status, 200);
    const gone = await f.http.call(
      'DELETE',
      `/rooms/general/messages/${seq}?as=root`,
      undefined,
      key,
    );
    assert.equal(gone.body.code, 'SB_ERR_MESSAGE_NOT_FOUND');
  });
});
