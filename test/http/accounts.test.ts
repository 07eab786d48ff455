import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSwitchboard, type RunningSwitchboard } from '../../src/server/start-switchboard.js';
import { WsTestClient } from '../helpers/ws-client.js';
import { api, type Api } from './api-client.js';

const PASSWORD = 'correct horse battery';

async function start(options: Record<string, unknown> = {}): Promise<RunningSwitchboard> {
  return startSwitchboard({
    port: 0,
    host: '127.0.0.1',
    store: 'memory:',
    web: false,
    logLevel: 'silent',
    shutdownTimeout: 500,
    ...options,
  });
}

describe('accounts over /api/v1/auth (default --auth guest,password)', () => {
  let server: RunningSwitchboard;
  let http: Api;
  before(async () => {
    server = await start();
    http = api(server.url);
  });
  after(() => server.stop());

  test('register answers 201 {token, user} and the token signs in at hello', async () => {
    const reg = await http.post('/auth/register', { handle: 'Ann', password: PASSWORD });
    assert.equal(reg.status, 201);
    assert.deepEqual(reg.body.user, { user: 'ann', name: null });
    const client = await WsTestClient.connect(server.wsUrl);
    const hello = await client.hello({ token: reg.body.token });
    assert.equal(hello.user, 'ann');
    assert.equal(hello.name, undefined, 'no display name set: none in the reply');
    assert.ok(
      (hello.channels as { channel: string }[]).some((c) => c.channel === 'room:general'),
      'a new account starts in general',
    );
    client.close();
  });

  test('register of a taken handle answers 409 SB_ERR_HANDLE_TAKEN, and a guest cannot claim it', async () => {
    await http.post('/auth/register', { handle: 'bea', password: PASSWORD });
    const again = await http.post('/auth/register', { handle: 'bea', password: 'other password' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'SB_ERR_HANDLE_TAKEN');
    assert.match(again.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const guest = await WsTestClient.connect(server.wsUrl);
    const refused = await guest.request({ type: 'hello', protocol: 1, handle: 'bea' });
    assert.equal(refused.code, 'SB_ERR_HANDLE_TAKEN');
    guest.close();
  });

  test('login answers 200 {token, user}; unknown handle and wrong password both SB_ERR_CREDENTIALS_INVALID', async () => {
    await http.post('/auth/register', { handle: 'cy', password: PASSWORD });
    const ok = await http.post('/auth/login', { handle: 'cy', password: PASSWORD });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user.user, 'cy');
    assert.equal(typeof ok.body.token, 'string');
    const wrong = await http.post('/auth/login', { handle: 'cy', password: 'wrong password' });
    const unknown = await http.post('/auth/login', { handle: 'nobody', password: PASSWORD });
    for (const r of [wrong, unknown]) {
      assert.equal(r.status, 401);
      assert.equal(r.body.code, 'SB_ERR_CREDENTIALS_INVALID');
    }
    assert.equal(wrong.body.detail, unknown.body.detail);
  });

  test('refuses passwords under 8 or over 1024 bytes with SB_ERR_PASSWORD_INVALID', async () => {
    for (const password of ['', 'short', 'x'.repeat(1025), 'é'.repeat(513)]) {
      const r = await http.post('/auth/register', { handle: 'dee', password });
      assert.equal(r.status, 400);
      assert.equal(r.body.code, 'SB_ERR_PASSWORD_INVALID');
    }
  });

  test('answers bad bodies with 400, 413 and 415 problems', async () => {
    const bad = await http.post('/auth/register', { handle: 5, password: PASSWORD });
    assert.equal(bad.body.code, 'SB_ERR_HTTP_BAD_REQUEST');
    const big = await http.post('/auth/register', { handle: 'eve', password: 'x'.repeat(20_000) });
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'SB_ERR_HTTP_BODY_TOO_LARGE');
    const res = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', body: 'hi' });
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as { code: string }).code, 'SB_ERR_HTTP_MEDIA_TYPE');
    const notJson = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    assert.equal(((await notJson.json()) as { code: string }).code, 'SB_ERR_HTTP_BAD_REQUEST');
    const missing = await http.call('GET', '/nope');
    assert.equal(missing.body.code, 'SB_ERR_HTTP_NOT_FOUND');
    const method = await http.call('GET', '/auth/login');
    assert.equal(method.status, 405);
    assert.equal(method.body.code, 'SB_ERR_HTTP_METHOD_NOT_ALLOWED');
  });

  test('lists my sessions with device names and the current flag; logout revokes that session', async () => {
    const reg = await http.post('/auth/register', {
      handle: 'fay',
      password: PASSWORD,
      device: 'laptop',
    });
    const phone = await http.post('/auth/login', {
      handle: 'fay',
      password: PASSWORD,
      device: 'phone',
    });
    const list = await http.call('GET', '/auth/sessions', undefined, phone.body.token);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.sessions.map((s: { device: string; current: boolean }) => [s.device, s.current]),
      [
        ['laptop', false],
        ['phone', true],
      ],
    );
    const out = await http.post('/auth/logout', undefined, phone.body.token);
    assert.equal(out.status, 204);
    const client = await WsTestClient.connect(server.wsUrl);
    const refused = await client.request({ type: 'hello', protocol: 1, token: phone.body.token });
    assert.equal(refused.code, 'SB_ERR_TOKEN_INVALID');
    assert.equal((await client.hello({ token: reg.body.token })).user, 'fay');
    client.close();
    const anon = await http.call('GET', '/auth/sessions');
    assert.equal(anon.status, 401);
    assert.equal(anon.body.code, 'SB_ERR_NOT_AUTHENTICATED');
  });

  test('revoking a session closes its connections with 4101 and leaves the others open', async () => {
    const a = await http.post('/auth/register', { handle: 'gus', password: PASSWORD, device: 'a' });
    const b = await http.post('/auth/login', { handle: 'gus', password: PASSWORD, device: 'b' });
    const onA = await WsTestClient.connect(server.wsUrl);
    const onB = await WsTestClient.connect(server.wsUrl);
    await onA.hello({ token: a.body.token });
    await onB.hello({ token: b.body.token });
    const list = await http.call('GET', '/auth/sessions', undefined, a.body.token);
    const idOfB = list.body.sessions.find((s) => !s.current)!.id;
    const del = await http.call('DELETE', `/auth/sessions/${idOfB}`, undefined, a.body.token);
    assert.equal(del.status, 204);
    assert.equal(await onB.waitClosed(1000), 4101);
    assert.equal((await onA.request({ type: 'rooms' })).type, 'reply', 'A stays connected');
    const again = await http.call('DELETE', `/auth/sessions/${idOfB}`, undefined, a.body.token);
    assert.equal(again.body.code, 'SB_ERR_SESSION_NOT_FOUND');
    onA.close();
  });

  test('a password change needs the old password and revokes every other session', async () => {
    const a = await http.post('/auth/register', { handle: 'hal', password: PASSWORD });
    const b = await http.post('/auth/login', { handle: 'hal', password: PASSWORD });
    const onB = await WsTestClient.connect(server.wsUrl);
    await onB.hello({ token: b.body.token });
    const wrong = await http.post(
      '/auth/password',
      { oldPassword: 'nope nope', newPassword: 'new password 1' },
      a.body.token,
    );
    assert.equal(wrong.body.code, 'SB_ERR_CREDENTIALS_INVALID');
    const ok = await http.post(
      '/auth/password',
      { oldPassword: PASSWORD, newPassword: 'new password 1' },
      a.body.token,
    );
    assert.equal(ok.status, 204);
    assert.equal(await onB.waitClosed(1000), 4101);
    assert.equal(
      (await http.call('GET', '/auth/sessions', undefined, a.body.token)).body.sessions.length,
      1,
    );
    const old = await http.post('/auth/login', { handle: 'hal', password: PASSWORD });
    assert.equal(old.body.code, 'SB_ERR_CREDENTIALS_INVALID');
    assert.equal(
      (await http.post('/auth/login', { handle: 'hal', password: 'new password 1' })).status,
      200,
    );
  });

  test('a guest upgrades to an account and keeps its handle, rooms, history and token', async () => {
    const guest = await WsTestClient.connect(server.wsUrl);
    const hello = await guest.hello({ handle: 'ivy' });
    await guest.call({ type: 'create', room: 'garden' });
    await guest.call({ type: 'send', room: 'garden', text: 'hello plants', cid: 'c1' });
    const up = await http.post('/auth/upgrade', { password: PASSWORD }, hello.token as string);
    assert.equal(up.status, 200);
    assert.deepEqual(up.body.user, { user: 'ivy', name: null });
    const again = await WsTestClient.connect(server.wsUrl);
    const resumed = await again.hello({
      token: up.body.token,
      resume: [{ channel: 'room:garden', after: 0 }],
    });
    assert.equal(resumed.user, 'ivy');
    const msg = await again.waitFor((f) => f.type === 'message' && f.text === 'hello plants');
    assert.equal(msg.from, 'ivy');
    assert.equal(
      (await http.post('/auth/login', { handle: 'ivy', password: PASSWORD })).status,
      200,
    );
    const twice = await http.post('/auth/upgrade', { password: PASSWORD }, up.body.token);
    assert.equal(twice.body.code, 'SB_ERR_ACCOUNT_EXISTS');
    guest.close();
    again.close();
  });

  test('sets a Unicode display name and refuses one that looks like another handle', async () => {
    const me = await http.post('/auth/register', { handle: 'jo', password: PASSWORD });
    await http.post('/auth/register', { handle: 'admin', password: PASSWORD });
    const named = await http.call('PATCH', '/auth/me', { name: '  Jö 🦜 ' }, me.body.token);
    assert.deepEqual(named.body, { user: 'jo', name: 'Jö 🦜' });
    const client = await WsTestClient.connect(server.wsUrl);
    const hello = await client.hello({ token: me.body.token });
    assert.equal(hello.name, 'Jö 🦜', 'the hello reply carries the display name');
    client.close();
    for (const name of ['ADMIN', 'аdmin', 'adm1n', 'Ａｄｍｉｎ']) {
      const r = await http.call('PATCH', '/auth/me', { name }, me.body.token);
      assert.equal(r.body.code, 'SB_ERR_NAME_CONFUSABLE', name);
    }
    const own = await http.call('PATCH', '/auth/me', { name: 'JO' }, me.body.token);
    assert.equal(own.status, 200, 'one may look like oneself');
    const bidi = await http.call('PATCH', '/auth/me', { name: 'a\u202Eb' }, me.body.token);
    assert.equal(bidi.body.code, 'SB_ERR_NAME_INVALID');
  });
});

describe('login throttling', () => {
  test('a thousand wrong passwords in a row get SB_ERR_LOGIN_THROTTLED with retryAfter, and the server lives', async () => {
    const server = await start();
    try {
      const http = api(server.url);
      await http.post('/auth/register', { handle: 'kim', password: PASSWORD });
      const codes = new Map<string, number>();
      let retryAfter = 0;
      for (let i = 0; i < 1000; i++) {
        const r = await http.post('/auth/login', { handle: 'kim', password: `wrong ${i} pass` });
        codes.set(r.body.code, (codes.get(r.body.code) ?? 0) + 1);
        if (r.body.code === 'SB_ERR_LOGIN_THROTTLED') {
          assert.equal(r.status, 429);
          retryAfter = r.body.retryAfter;
        }
      }
      assert.ok((codes.get('SB_ERR_LOGIN_THROTTLED') ?? 0) >= 980, JSON.stringify([...codes]));
      assert.ok(retryAfter > 0);
      const right = await http.post('/auth/login', { handle: 'kim', password: PASSWORD });
      assert.equal(right.body.code, 'SB_ERR_LOGIN_THROTTLED', 'even the right password waits');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.stop();
    }
  });
});

describe('the per-address sign-in throttle', () => {
  test('--login-address-burst sets how many attempts one address makes before SB_ERR_LOGIN_THROTTLED', async () => {
    const server = await start({ loginAddressBurst: 2, loginAddressRate: 0.001 });
    try {
      const http = api(server.url);
      // Different accounts: only the address bucket is shared.
      const answers = [];
      for (const handle of ['ab1', 'ab2', 'ab3'])
        answers.push((await http.post('/auth/register', { handle, password: PASSWORD })).status);
      assert.deepEqual(answers, [201, 201, 429]);
    } finally {
      await server.stop();
    }
  });
});

describe('--auth modes', () => {
  test('without guest, hello {handle} is refused with SB_ERR_GUESTS_DISABLED; accounts still sign in', async () => {
    const server = await start({ auth: ['password'] });
    try {
      const client = await WsTestClient.connect(server.wsUrl);
      const refused = await client.request({ type: 'hello', protocol: 1, handle: 'lu' });
      assert.equal(refused.code, 'SB_ERR_GUESTS_DISABLED');
      const reg = await api(server.url).post('/auth/register', {
        handle: 'lu',
        password: PASSWORD,
      });
      assert.equal((await client.hello({ token: reg.body.token })).user, 'lu');
      client.close();
    } finally {
      await server.stop();
    }
  });

  test('without password, register and login answer 403 SB_ERR_AUTH_MODE_DISABLED', async () => {
    const server = await start({ auth: ['guest'] });
    try {
      const http = api(server.url);
      for (const path of ['/auth/register', '/auth/login']) {
        const r = await http.post(path, { handle: 'mo', password: PASSWORD });
        assert.equal(r.status, 403);
        assert.equal(r.body.code, 'SB_ERR_AUTH_MODE_DISABLED');
      }
    } finally {
      await server.stop();
    }
  });
});

describe('handles of expired guests', () => {
  test('register refuses a handle whose expired guest is still connected, and takes it once gone', async () => {
    const server = await start({ sessionTtl: 1000 });
    try {
      const guest = await WsTestClient.connect(server.wsUrl);
      await guest.hello({ handle: 'nia' });
      await guest.call({ type: 'create', room: 'secret' });
      await new Promise((r) => setTimeout(r, 1100));
      const http = api(server.url);
      const held = await http.post('/auth/register', { handle: 'nia', password: PASSWORD });
      assert.equal(held.body.code, 'SB_ERR_HANDLE_TAKEN');
      guest.close();
      await guest.waitClosed();
      await new Promise((r) => setTimeout(r, 100));
      const reg = await http.post('/auth/register', { handle: 'nia', password: PASSWORD });
      assert.equal(reg.status, 201);
      const client = await WsTestClient.connect(server.wsUrl);
      const hello = await client.hello({ token: reg.body.token });
      const channels = (hello.channels as { channel: string }[]).map((c) => c.channel);
      assert.deepEqual(channels, ['room:general'], "a new person: not in the old guest's rooms");
      client.close();
    } finally {
      await server.stop();
    }
  });
});

describe('bad input to /api/v1', () => {
  test('gets a coded problem for every kind of garbage, and the server keeps serving', async () => {
    const server = await start();
    try {
      const http = api(server.url);
      const raw = (path: string, init: RequestInit) =>
        fetch(`${server.url}/api/v1${path}`, init).then(async (r) => ({
          status: r.status,
          code: ((await r.json()) as { code: string }).code,
        }));
      const json = { 'content-type': 'application/json; charset=utf-8' };
      assert.deepEqual(await raw('/auth/login', { method: 'POST', headers: json, body: 'null' }), {
        status: 400,
        code: 'SB_ERR_HTTP_BAD_REQUEST',
      });
      for (const body of ['[]', '"x"', '{"handle":"ann"}', '{"handle":"ann","password":7}']) {
        const r = await raw('/auth/register', { method: 'POST', headers: json, body });
        assert.equal(r.code, 'SB_ERR_HTTP_BAD_REQUEST', body);
      }
      const chunks = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(1024).fill(32));
          c.close();
        },
      });
      const streamed = await raw('/auth/login', {
        method: 'POST',
        headers: json,
        body: chunks,
        duplex: 'half',
      } as RequestInit);
      assert.deepEqual(streamed, { status: 413, code: 'SB_ERR_HTTP_BODY_TOO_LARGE' });
      const badPath = await http.call('DELETE', '/auth/sessions/%E0%A4%A', undefined, 'x');
      assert.equal(badPath.body.code, 'SB_ERR_HTTP_BAD_REQUEST');
      const badToken = await http.call('GET', '/auth/sessions', undefined, 'not-a-token');
      assert.equal(badToken.status, 401);
      assert.equal(badToken.body.code, 'SB_ERR_TOKEN_INVALID');
      const handle = await http.post('/auth/register', {
        handle: 'no spaces!',
        password: PASSWORD,
      });
      assert.equal(handle.body.code, 'SB_ERR_HANDLE_INVALID');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.stop();
    }
  });
});
