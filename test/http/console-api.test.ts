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
  let otherToken: string;
  before(async () => {
    f = await startApiNode({ webhooks: true });
    plainToken = await f.register('plain');
    await f.register('plainer');
    otherToken = await f.register('other');
  });
  after(() => f.server.stop());

  /** Messages by plainer in `room`, each reported by plain over the socket: the report ids. */
  async function fileReports(reasons: string[], room = 'general'): Promise<number[]> {
    const c = await WsTestClient.connect(f.server.url.replace(/^http/, 'ws') + '/ws');
    const seqs: number[] = [];
    try {
      await c.hello({ token: plainToken });
      for (const reason of reasons) {
        const posted = await f.http.post(
          `/rooms/${room}/messages?as=plainer`,
          { text: `about ${reason}` },
          f.rootToken,
        );
        const seq = (posted.body as unknown as { message: { seq: number } }).message.seq;
        const r = await c.request({ type: 'report', channel: `room:${room}`, seq, reason });
        assert.equal(r.type, 'reply', JSON.stringify(r));
        seqs.push(seq);
      }
    } finally {
      c.close();
    }
    const list = await f.http.call('GET', '/reports?state=open', undefined, f.rootToken);
    const reports = (
      list.body as unknown as { reports: { id: number; seq: number; channel: string }[] }
    ).reports;
    return seqs.map(
      (seq) => reports.find((r) => r.seq === seq && r.channel === `room:${room}`)!.id,
    );
  }

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
    // A server admin is no one's to disable, another admin's included: the role goes first.
    const disable = await f.http.post('/users/plain/disable', {}, f.rootToken);
    assert.equal(disable.status, 403);
    assert.equal(disable.body.code, 'SB_ERR_OUTRANKED');
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
        state: 'open',
        closedBy: null,
        closedAt: null,
        note: null,
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

  test('POST /reports/{id}/resolve and /dismiss close a report once, by a server admin', async () => {
    const [spam, noise] = (await fileReports(['spam', 'noise'])) as [number, number];
    const resolve = (id: number | string, token?: string, body?: unknown) =>
      f.http.post(`/reports/${id}/resolve`, body, token);

    assert.equal((await resolve(spam)).status, 401, 'no key');
    const readOnly = await resolve(spam, await f.key(['rooms:read', 'users:read']));
    assert.deepEqual([readOnly.status, readOnly.body.code], [403, 'SB_ERR_API_SCOPE_MISSING']);
    const plain = await resolve(spam, plainToken, {});
    assert.deepEqual([plain.status, plain.body.code], [403, 'SB_ERR_ADMIN_REQUIRED']);
    for (const unknown of [999_999, 'abc', 0]) {
      const r = await resolve(unknown, f.rootToken, {});
      assert.deepEqual([r.status, r.body.code], [404, 'SB_ERR_REPORT_NOT_FOUND'], `${unknown}`);
    }
    // An audit entry that is not a report is no report either.
    const kick = await f.store.moderation.appendAudit({
      scope: 'room:general',
      ts: Date.now(),
      actor: 'root',
      action: 'kick',
      target: 'plainer',
      detail: null,
    });
    const notReport = await resolve(kick, f.rootToken, {});
    assert.deepEqual([notReport.status, notReport.body.code], [404, 'SB_ERR_REPORT_NOT_FOUND']);

    const done = await resolve(spam, await f.key(['admin']), { note: 'author warned' });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const closed = done.body as unknown as Record<string, unknown>;
    assert.deepEqual(
      { ...closed, ts: 0 },
      { report: spam, state: 'resolved', by: 'root', ts: 0, note: 'author warned' },
    );
    for (const again of ['resolve', 'dismiss']) {
      const r = await f.http.post(`/reports/${spam}/${again}`, {}, f.rootToken);
      assert.deepEqual([r.status, r.body.code], [409, 'SB_ERR_REPORT_CLOSED'], again);
    }
    // No body at all: the note is optional.
    const dismissed = await f.http.post(`/reports/${noise}/dismiss`, undefined, f.rootToken);
    assert.equal(dismissed.status, 200, JSON.stringify(dismissed.body));

    const listed = async (state?: string) => {
      const q = state === undefined ? '' : `?state=${state}`;
      const r = await f.http.call('GET', `/reports${q}`, undefined, f.rootToken);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body as unknown as { reports: Record<string, unknown>[] }).reports;
    };
    const byId = new Map((await listed()).map((r) => [r['id'], r]));
    assert.deepEqual(
      [byId.get(spam)?.['state'], byId.get(spam)?.['closedBy'], byId.get(spam)?.['note']],
      ['resolved', 'root', 'author warned'],
    );
    assert.equal(byId.get(spam)?.['closedAt'], closed['ts']);
    assert.deepEqual([byId.get(noise)?.['state'], byId.get(noise)?.['note']], ['dismissed', null]);
    const open = (await listed('open')).map((r) => r['id']);
    assert.ok(!open.includes(spam) && !open.includes(noise), 'closed reports leave the open queue');
    assert.deepEqual(
      (await listed('dismissed')).map((r) => r['id']),
      [noise],
    );
    const bad = await f.http.call('GET', '/reports?state=closed', undefined, f.rootToken);
    assert.deepEqual([bad.status, bad.body.code], [400, 'SB_ERR_HTTP_BAD_REQUEST']);

    // Webhook subscribers hear of it: report.resolved, in the reported room's order.
    let event: { channel: string | null; data: unknown } | undefined;
    for (let i = 0; i < 200 && !event; i++) {
      const events = await f.store.webhooks.readEvents(0, 10_000);
      event = events.find(
        (e) => e.type === 'report.resolved' && (e.data as { report: number }).report === spam,
      );
      if (!event) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(event, 'report.resolved recorded');
    assert.equal(event.channel, 'room:general');
    assert.deepEqual(
      { ...(event.data as Record<string, unknown>), ts: 0, seq: 0 },
      {
        report: spam,
        state: 'resolved',
        by: 'root',
        ts: 0,
        note: 'author warned',
        channel: 'room:general',
        seq: 0,
      },
    );
  });

  test('a room moderator closes its reports over the socket; a member may not', async () => {
    await f.http.post('/rooms', { room: 'modded' }, f.rootToken);
    await f.http.call('PUT', '/rooms/modded/members/plainer', undefined, f.rootToken);
    await f.http.call('PUT', '/rooms/modded/members/plain', undefined, f.rootToken);
    await f.http.call('PUT', '/rooms/modded/members/other', undefined, f.rootToken);
    await f.http.call(
      'PUT',
      '/rooms/modded/members/other/role',
      { role: 'moderator' },
      f.rootToken,
    );
    const [id] = (await fileReports(['rude'], 'modded')) as [number];
    const member = await WsTestClient.connect(f.server.url.replace(/^http/, 'ws') + '/ws');
    const mod = await WsTestClient.connect(f.server.url.replace(/^http/, 'ws') + '/ws');
    try {
      await member.hello({ token: plainToken });
      await mod.hello({ token: otherToken });
      const frame = { type: 'report-resolve', report: id, outcome: 'resolved' };
      const refused = await member.request(frame);
      assert.equal(refused['code'], 'SB_ERR_FORBIDDEN');
      const ok = await mod.request(frame);
      assert.equal(ok.type, 'reply', JSON.stringify(ok));
      assert.equal((await mod.request(frame))['code'], 'SB_ERR_REPORT_CLOSED');
    } finally {
      member.close();
      mod.close();
    }
  });
});
