/**
 * OIDC sign-in end to end against a real OpenID provider (oidc-provider, in its own process):
 * a fetch "browser" with a cookie jar follows the redirects by hand, fills the provider's dev
 * login and consent forms, and lands on the page with the session token in the fragment.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startProvider, type ProviderHandle } from '../helpers/oidc-provider.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';
import { api, type Api } from './api-client.js';

const CLIENT = { client_id: 'switchboard', client_secret: 'switchboard-oidc-test-secret' };
const PASSWORD = 'correct horse battery';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

/** A browser's cookie jar and redirect following, just enough for the code flow. */
class Browser {
  /** host → cookie name → value (paths are ignored: the tests never need them). */
  readonly jar = new Map<string, Map<string, string>>();

  async get(url: string): Promise<Response> {
    return this.#send(url, { method: 'GET' });
  }

  async #send(url: string, init: RequestInit): Promise<Response> {
    const host = new URL(url).host;
    const cookies = [...(this.jar.get(host) ?? new Map<string, string>())]
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        ...(cookies ? { cookie: cookies } : {}),
        'user-agent': 'OIDC test browser',
      },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const [name, ...value] = pair!.trim().split('=');
      const jar = this.jar.get(host) ?? new Map<string, string>();
      this.jar.set(host, jar);
      if (attrs.some((a) => /^\s*max-age=0$/i.test(a)) || value.join('=') === '') jar.delete(name!);
      else jar.set(name!, value.join('='));
    }
    return res;
  }

  /**
   * Follows redirects from `url`, filling the provider's login form with `login` and its
   * consent form, until a redirect leaves for `stopAt` (the Switchboard callback): resolves
   * that callback URL without visiting it.
   */
  async toCallback(url: string, login: string, stopAt: string): Promise<string> {
    let next = url;
    for (let hops = 0; hops < 20; hops++) {
      if (next.startsWith(stopAt)) return next;
      const res = await this.get(next);
      if (res.status >= 300 && res.status < 400) {
        next = new URL(res.headers.get('location')!, next).href;
        continue;
      }
      const html = await res.text();
      assert.equal(res.status, 200, html);
      const action = new URL(/<form[^>]*action="([^"]+)"/.exec(html)![1]!, next).href;
      const prompt = /name="prompt" value="(\w+)"/.exec(html)![1]!;
      const form = new URLSearchParams({ prompt });
      if (prompt === 'login') {
        form.set('login', login);
        form.set('password', 'any');
      }
      const posted = await this.#send(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      assert.ok(posted.status >= 300 && posted.status < 400, `form ${prompt}: ${posted.status}`);
      next = new URL(posted.headers.get('location')!, action).href;
    }
    throw new Error('too many redirects');
  }
}

/** The page's fragment after the callback: `{token}` or `{error}`. */
function fragment(res: Response): { page: string; token?: string; error?: string } {
  assert.equal(res.status, 302);
  const location = res.headers.get('location')!;
  const [page, hash = ''] = location.split('#');
  const params = new URLSearchParams(hash);
  return {
    page: page!,
    ...(params.get('sb-oidc-token') ? { token: params.get('sb-oidc-token')! } : {}),
    ...(params.get('sb-oidc-error') ? { error: params.get('sb-oidc-error')! } : {}),
  };
}

describe('OIDC sign-in against a real OpenID provider', () => {
  let provider: ProviderHandle;
  let server: ServerHandle;
  let http: Api;
  let callbackUrl: string;

  before(async () => {
    provider = await startProvider();
    const port = await freePort();
    callbackUrl = `http://127.0.0.1:${port}/api/v1/auth/oidc/callback`;
    await provider.configure([
      { ...CLIENT, redirect_uris: [callbackUrl] },
      {
        client_id: 'another-client',
        client_secret: 'another-secret',
        redirect_uris: [callbackUrl],
      },
    ]);
    server = await startServer({
      port,
      args: ['--oidc-name', 'Test ID'],
      env: {
        SWITCHBOARD_OIDC_ISSUER: provider.issuer,
        SWITCHBOARD_OIDC_CLIENT_ID: CLIENT.client_id,
        SWITCHBOARD_OIDC_CLIENT_SECRET: CLIENT.client_secret,
        SWITCHBOARD_OIDC_REDIRECT_URL: callbackUrl,
      },
    });
    http = api(server.url);
  });
  after(async () => {
    await server?.dispose();
    await provider?.stop();
  });

  /** start → provider → the callback URL the provider sends the browser to (not visited). */
  async function authorize(browser: Browser, login: string, path = '/api/v1/auth/oidc/start') {
    const start = await browser.get(`${server.url}${path}`);
    assert.equal(start.status, 302);
    return browser.toCallback(start.headers.get('location')!, login, callbackUrl);
  }

  async function signIn(login: string) {
    const browser = new Browser();
    const callback = await authorize(browser, login);
    return { browser, callback, ...fragment(await browser.get(callback)) };
  }

  test('GET /auth/modes names the modes and the button, with oidc on by --oidc-issuer', async () => {
    const modes = await http.call('GET', '/auth/modes');
    assert.equal(modes.status, 200);
    assert.deepEqual(modes.body, {
      modes: ['guest', 'password', 'oidc'],
      oidc: { name: 'Test ID' },
    });
  });

  test('start redirects to the provider with state, nonce and an S256 PKCE challenge, and a sealed cookie', async () => {
    const start = await fetch(`${server.url}/api/v1/auth/oidc/start`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    const to = new URL(start.headers.get('location')!);
    assert.equal(to.origin, provider.issuer);
    assert.equal(to.searchParams.get('client_id'), CLIENT.client_id);
    assert.equal(to.searchParams.get('redirect_uri'), callbackUrl);
    assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
    for (const p of ['state', 'nonce', 'code_challenge']) assert.ok(to.searchParams.get(p), p);
    const cookie = start.headers.getSetCookie()[0]!;
    assert.match(cookie, /^sb_oidc=v1\./);
    assert.match(cookie, /Path=\/api\/v1\/auth\/oidc/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Max-Age=600/);
    assert.doesNotMatch(cookie, /Secure/, 'the redirect URL is plain http here');
    assert.ok(!cookie.includes(to.searchParams.get('state')!), 'the state is sealed, not in clear');
  });

  test('the cookie is Secure when the redirect URL is https (the server behind TLS)', async () => {
    const behindTls = await startServer({
      env: {
        SWITCHBOARD_OIDC_ISSUER: provider.issuer,
        SWITCHBOARD_OIDC_CLIENT_ID: CLIENT.client_id,
        SWITCHBOARD_OIDC_CLIENT_SECRET: CLIENT.client_secret,
        SWITCHBOARD_OIDC_REDIRECT_URL: 'https://chat.example/api/v1/auth/oidc/callback',
      },
    });
    try {
      const start = await fetch(`${behindTls.url}/api/v1/auth/oidc/start`, { redirect: 'manual' });
      assert.equal(start.status, 302);
      const cookie = start.headers.getSetCookie()[0]!;
      for (const flag of [/; Secure/, /HttpOnly/, /SameSite=Lax/]) assert.match(cookie, flag);
    } finally {
      await behindTls.dispose();
    }
  });

  test('a first sign-in makes an account whose token says hello; the second finds the same one', async () => {
    const first = await signIn('olga');
    assert.equal(first.page, '/');
    assert.ok(first.token, `error: ${first.error}`);
    assert.equal(first.browser.jar.get(new URL(server.url).host)?.has('sb_oidc'), false);
    const me = await http.call('GET', '/auth/me', undefined, first.token);
    assert.deepEqual(me.body, { user: 'olga', name: 'Olga Example' });
    const client = await WsTestClient.connect(server.wsUrl);
    const hello = await client.hello({ token: first.token });
    assert.equal(hello.user, 'olga');
    client.close();

    const second = await signIn('olga');
    assert.ok(second.token);
    assert.notEqual(second.token, first.token);
    const sessions = await http.call('GET', '/auth/sessions', undefined, second.token);
    assert.equal(sessions.body.sessions.length, 2, 'two device sessions of one account');
    assert.equal(sessions.body.sessions[0]!.device, 'OIDC test browser');
  });

  test('the session is listed and can be revoked like a password session', async () => {
    const a = await signIn('rita');
    const b = await signIn('rita');
    const list = await http.call('GET', '/auth/sessions', undefined, a.token);
    const other = list.body.sessions.find((s) => !s.current)!;
    const revoked = await http.call('DELETE', `/auth/sessions/${other.id}`, undefined, a.token);
    assert.equal(revoked.status, 204);
    const gone = await http.call('GET', '/auth/me', undefined, b.token);
    assert.equal(gone.body.code, 'SB_ERR_TOKEN_INVALID');
  });

  test('a taken handle gets a number and takes over neither the password account nor the guest', async () => {
    const reg = await http.post('/auth/register', { handle: 'pat', password: PASSWORD });
    assert.equal(reg.status, 201);
    const guest = await WsTestClient.connect(server.wsUrl);
    const guestHello = await guest.hello({ handle: 'gus' });
    guest.close();

    const pat = await signIn('pat');
    assert.deepEqual((await http.call('GET', '/auth/me', undefined, pat.token)).body, {
      user: 'pat2',
      // "Pat Example" does not look like the handle pat; kept.
      name: 'Pat Example',
    });
    const login = await http.post('/auth/login', { handle: 'pat', password: PASSWORD });
    assert.equal(login.status, 200, 'the password account is untouched');
    const patSessions = await http.call('GET', '/auth/sessions', undefined, login.body.token);
    assert.equal(patSessions.body.sessions.length, 2, 'register + login, no OIDC session');

    const gus = await signIn('gus');
    assert.equal((await http.call('GET', '/auth/me', undefined, gus.token)).body.user, 'gus2');
    const again = await WsTestClient.connect(server.wsUrl);
    assert.equal((await again.hello({ token: guestHello.token })).user, 'gus');
    again.close();
  });

  test('a tampered state redirects with SB_ERR_OIDC_STATE_INVALID and signs nobody in', async () => {
    const browser = new Browser();
    const callback = new URL(await authorize(browser, 'tess'));
    callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const res = fragment(await browser.get(callback.href));
    assert.deepEqual(res, { page: '/', error: 'SB_ERR_OIDC_STATE_INVALID' });
  });

  test('a callback without the cookie (another browser) is SB_ERR_OIDC_STATE_INVALID', async () => {
    const callback = await authorize(new Browser(), 'tess');
    const res = fragment(await new Browser().get(callback));
    assert.equal(res.error, 'SB_ERR_OIDC_STATE_INVALID');
  });

  test('a replayed callback URL, cookie and all, is SB_ERR_OIDC_CODE_REJECTED', async () => {
    const browser = new Browser();
    const callback = await authorize(browser, 'remy');
    const cookies = new Map(browser.jar.get(new URL(server.url).host));
    assert.ok(fragment(await browser.get(callback)).token);
    browser.jar.set(new URL(server.url).host, cookies); // the attacker kept the cookie too
    assert.equal(fragment(await browser.get(callback)).error, 'SB_ERR_OIDC_CODE_REJECTED');
  });

  test('a provider error (the person refused) is SB_ERR_OIDC_DENIED', async () => {
    const browser = new Browser();
    const callback = new URL(await authorize(browser, 'dora'));
    const denied = new URL(callbackUrl);
    denied.searchParams.set('error', 'access_denied');
    denied.searchParams.set('state', callback.searchParams.get('state')!);
    assert.equal(fragment(await browser.get(denied.href)).error, 'SB_ERR_OIDC_DENIED');
  });

  test('a code issued to another client is SB_ERR_OIDC_CODE_REJECTED', async () => {
    const browser = new Browser();
    const start = await browser.get(`${server.url}/api/v1/auth/oidc/start`);
    const to = new URL(start.headers.get('location')!);
    to.searchParams.set('client_id', 'another-client');
    const callback = await browser.toCallback(to.href, 'mona', callbackUrl);
    assert.equal(fragment(await browser.get(callback)).error, 'SB_ERR_OIDC_CODE_REJECTED');
  });

  test('an ID token the provider signed for another client is SB_ERR_OIDC_TOKEN_INVALID', async () => {
    const browser = new Browser();
    const callback = await authorize(browser, 'ivan');
    await provider.tamper('aud');
    try {
      assert.equal(fragment(await browser.get(callback)).error, 'SB_ERR_OIDC_TOKEN_INVALID');
    } finally {
      await provider.tamper(null);
    }
    const me = await http.post('/auth/login', { handle: 'ivan', password: PASSWORD });
    assert.equal(me.body.code, 'SB_ERR_CREDENTIALS_INVALID', 'no account was made');
  });

  test('an OIDC account has no password: login answers SB_ERR_CREDENTIALS_INVALID', async () => {
    await signIn('nora');
    const login = await http.post('/auth/login', { handle: 'nora', password: 'none-none-none' });
    assert.equal(login.body.code, 'SB_ERR_CREDENTIALS_INVALID');
  });

  test('with the provider stopped, the callback is SB_ERR_OIDC_UNAVAILABLE', async () => {
    const browser = new Browser();
    const callback = await authorize(browser, 'stan');
    await provider.stop();
    assert.equal(fragment(await browser.get(callback)).error, 'SB_ERR_OIDC_UNAVAILABLE');
  });
});

describe('OIDC sign-in with the provider unreachable', () => {
  let server: ServerHandle;
  before(async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    server = await startServer({
      env: {
        SWITCHBOARD_OIDC_ISSUER: dead,
        SWITCHBOARD_OIDC_CLIENT_ID: 'switchboard',
        SWITCHBOARD_OIDC_CLIENT_SECRET: 'secret',
        SWITCHBOARD_OIDC_REDIRECT_URL: 'http://127.0.0.1:1/api/v1/auth/oidc/callback',
      },
    });
  });
  after(() => server?.dispose());

  test('start answers 503 SB_ERR_OIDC_UNAVAILABLE', async () => {
    const res = await api(server.url).call('GET', '/auth/oidc/start');
    assert.equal(res.status, 503);
    assert.equal(res.body.code, 'SB_ERR_OIDC_UNAVAILABLE');
  });
});

describe('OIDC routes without --oidc-issuer', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.dispose());

  test('start answers 403 SB_ERR_AUTH_MODE_DISABLED and /auth/modes has no oidc', async () => {
    const http = api(server.url);
    assert.equal(
      (await http.call('GET', '/auth/oidc/start')).body.code,
      'SB_ERR_AUTH_MODE_DISABLED',
    );
    const modes = await http.call('GET', '/auth/modes');
    assert.deepEqual(modes.body, { modes: ['guest', 'password'], oidc: null });
  });
});
