/**
 * What the admin console (/admin) relies on in the API: a server admin's session token is
 * accepted wherever a key is, anyone else's session is 403 SB_ERR_ADMIN_REQUIRED; accounts are
 * listed and searched; the server admin role is given and taken over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WsTestClient } from '../helpers/ws-client.js';
import { startApiNode, type ApiFixture } from './api-fixture.js';

interface UserRow {
  user: string;
  name: string | null;
  roles: string[];
  bot: boolean;
  connections: number;
  disabled: boolean;
}

describe('the API as the admin console calls it', () => {
  let f: ApiFixture;
  let plainToken: string;
  before(async () => {
    f = await startApiNode();
    plainToken = await f.register('plain');
    await f.register('plainer');
    await f.register('other');
  });
  after(() => f.server.stop());

  test('a server admin session is accepted on endpoints of every scope', async () => {
    const rooms = await f.http.call('GET', '/rooms', undefined, f.rootToken);
    assert.equal(rooms.status, 200);
    const presence = await f.http.call('GET', '/presence', undefined, f.rootToken);
    assert.equal(presence.status, 200);
    const made = await f.http.post('/rooms', { room: 'console' }, f.rootToken);
    assert.equal(made.status, 201);
  });

  test('the session of an account that is not a server admin is 403 SB_ERR_ADMIN_REQUIRED everywhere', async () => {
    for (const [method, path] of [
      ['GET', '/rooms'],
      ['GET', '/users'],
      ['POST', '/users/other/disable'],
      ['PUT', '/users/plain/roles/admin'],
    ] as const) {
      const r = await f.http.call(method, path, method === 'GET' ? undefined : {}, plainToken);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.code, 'SB_ERR_ADMIN_REQUIRED', `${method} ${path}`);
    }
  });

  test('GET /users lists accounts by handle and searches handles', async () => {
    const all = await f.http.call('GET', '/users', undefined, f.rootToken);
    assert.equal(all.status, 200);
    const users = (all.body as unknown as { users: UserRow[] }).users;
    assert.deepEqual(
      users.map((u) => u.user),
      ['other', 'plain', 'plainer', 'root'],
    );
    assert.deepEqual(users.find((u) => u.user === 'root')!.roles, ['admin']);
    const some = await f.http.call('GET', '/users?q=PLAIN&limit=1', undefined, f.rootToken);
    assert.deepEqual(
      (some.body as unknown as { users: UserRow[] }).users.map((u) => u.user),
      ['plain'],
    );
  });

  test('a user disabled with an admin session is listed as disabled, and enabled again', async () => {
    const state = async () => {
      const r = await f.http.call('GET', '/users?q=other', undefined, f.rootToken);
      return (r.body as unknown as { users: UserRow[] }).users[0]!.disabled;
    };
    assert.equal(
      (await f.http.post('/users/other/disable', { reason: 'spam' }, f.rootToken)).status,
      204,
    );
    assert.equal(await state(), true);
    assert.equal((await f.http.post('/users/other/enable', undefined, f.rootToken)).status, 204);
    assert.equal(await state(), false);
  });

  test('granting the admin role lets that session in; revoking it refuses it again', async () => {
    const granted = await f.http.call('PUT', '/users/plain/roles/admin', undefined, f.rootToken);
    assert.equal(granted.status, 200);
    assert.deepEqual((granted.body as unknown as { roles: string[] }).roles, ['admin']);
    assert.equal((await f.http.call('GET', '/users', undefined, plainToken)).status, 200);
    const taken = await f.http.call('DELETE', '/users/plain/roles/admin', undefined, f.rootToken);
    assert.equal(taken.status, 200);
    const r = await f.http.call('GET', '/users', undefined, plainToken);
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'SB_ERR_ADMIN_REQUIRED');
  });

  test('the admin role of an account that does not exist is 404 SB_ERR_USER_NOT_FOUND', async () => {
    const r = await f.http.call('PUT', '/users/nobody/roles/admin', undefined, f.rootToken);
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'SB_ERR_USER_NOT_FOUND');
  });

  test('GET /health details what /readyz checks; the metrics history has this node\u2019s samples', async () => {
    const health = await f.http.call('GET', '/health', undefined, f.rootToken);
    assert.equal(health.status, 200);
    assert.deepEqual(
      { ...(health.body as unknown as Record<string, unknown>), node: 'n' },
      { node: 'n', ready: true, bus: true, store: true, draining: false },
    );
    const history = await f.http.call('GET', '/metrics/history', undefined, f.rootToken);
    assert.equal(history.status, 200);
    const points = (history.body as unknown as { points: { connections: number }[] }).points;
    assert.ok(points.length >= 1, 'sampled at start');
    assert.equal(typeof points[0]!.connections, 'number');
  });

  test('GET /reports lists a report filed over the socket, with reporter, author and reason', async () => {
    const posted = await f.http.post(
      '/rooms/general/messages?as=plainer',
      { text: 'buy now' },
      f.rootToken,
    );
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    const seq = (posted.body as unknown as { message: { seq: number } }).message.seq;
    const c = await WsTestClient.connect(f.server.url.replace(/^http/, 'ws') + '/ws');
    try {
      await c.hello({ token: plainToken });
      const r = await c.request({ type: 'report', channel: 'room:general', seq, reason: 'spam' });
      assert.equal(r.type, 'reply');
    } finally {
      c.close();
    }
    const list = await f.http.call('GET', '/reports', undefined, f.rootToken);
    assert.equal(list.status, 200);
    const [report] = (list.body as unknown as { reports: Record<string, unknown>[] }).reports;
    assert.deepEqual(
      { ...report, id: 0, ts: 0 },
      {
        id: 0,
        ts: 0,
        reporter: 'plain',
        author: 'plainer',
        channel: 'room:general',
        seq,
        reason: 'spam',
      },
    );
    // An archived room keeps its reports in the queue.
    const archive = await f.http.post('/rooms/general/archive', undefined, f.rootToken);
    assert.equal(archive.status, 204);
    try {
      const again = await f.http.call('GET', '/reports', undefined, f.rootToken);
      const reports = (again.body as unknown as { reports: { seq: number }[] }).reports;
      assert.deepEqual(
        reports.map((r) => r.seq),
        [seq],
      );
    } finally {
      await f.http.post('/rooms/general/unarchive', undefined, f.rootToken);
    }
  });
});
