import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { AuthChain } from '../../src/auth/chain.js';
import { HandleAuthenticator } from '../../src/auth/handle.js';
import { JwtAuthenticator } from '../../src/auth/jwt.js';
import { WebhookAuthenticator } from '../../src/auth/webhook.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SECRET, sign } from '../helpers/jwt.js';
import { Backend, HOOK_SECRET, json, type Reply } from '../helpers/webhook-backend.js';

const allowAnn: Reply = (_b, res) =>
  json(res, 200, { allow: true, user: 'ann', name: 'Ann A.', roles: ['admin'] });

describe('WebhookAuthenticator against a real backend on loopback', () => {
  const backend = new Backend();
  let url = '';
  before(async () => {
    url = await backend.start();
  });
  after(() => backend.close());
  beforeEach(() => {
    backend.requests = [];
    backend.badSignatures = 0;
  });
  const hook = (extra: object = {}) =>
    new WebhookAuthenticator({ url, secret: HOOK_SECRET, timeoutMs: 2000, cacheMs: 0, ...extra });

  it('posts the presented credential, HMAC-signed, and takes user, name and roles from an allow', async () => {
    backend.reply = allowAnn;
    const id = await hook().authenticate({ token: 'opaque-session-of-the-backend' });
    assert.deepEqual(backend.requests, [
      { type: 'hello', credentials: { token: 'opaque-session-of-the-backend' } },
    ]);
    assert.equal(backend.badSignatures, 0);
    assert.equal(id.user, 'ann');
    assert.equal(id.name, 'Ann A.');
    assert.deepEqual(id.roles, ['admin']);
    assert.equal(id.token, '');
  });

  it('refuses a deny with SB_ERR_AUTH_DENIED', async () => {
    backend.reply = (_b, res) => json(res, 200, { allow: false, reason: 'banned' });
    await assert.rejects(hook().authenticate({ handle: 'mallory' }), (err: Error) => {
      assert.equal((err as { code?: string }).code, 'SB_ERR_AUTH_DENIED');
      assert.doesNotMatch(err.message, /banned/);
      return true;
    });
  });

  it('is signed with the secret: a backend holding another secret refuses every request', async () => {
    backend.reply = allowAnn;
    const wrong = new WebhookAuthenticator({ url, secret: 'not-the-secret', timeoutMs: 2000 });
    await assert.rejects(wrong.authenticate({ handle: 'ann' }), {
      code: 'SB_ERR_AUTH_UNAVAILABLE',
    });
    assert.equal(backend.badSignatures, 1);
  });

  it('fails closed with SB_ERR_AUTH_UNAVAILABLE when the backend hangs past the time budget', async () => {
    backend.reply = () => {}; // never answers
    const started = Date.now();
    await assert.rejects(hook({ timeoutMs: 300 }).authenticate({ handle: 'ann' }), {
      code: 'SB_ERR_AUTH_UNAVAILABLE',
      retryable: true,
    });
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 2000, `took ${took} ms`);
  });

  it('fails closed on a 500 and on a malformed answer', async () => {
    backend.reply = (_b, res) => json(res, 500, { error: 'boom' });
    await assert.rejects(hook().authenticate({ handle: 'ann' }), {
      code: 'SB_ERR_AUTH_UNAVAILABLE',
    });
    backend.reply = (_b, res) => json(res, 200, { allow: true, user: 'Not A Handle!' });
    await assert.rejects(hook().authenticate({ handle: 'ann' }), {
      code: 'SB_ERR_AUTH_UNAVAILABLE',
    });
    backend.reply = (_b, res) => res.writeHead(200).end('not json');
    await assert.rejects(hook().authenticate({ handle: 'ann' }), {
      code: 'SB_ERR_AUTH_UNAVAILABLE',
    });
  });

  it('shares one request among simultaneous hellos with the same credential', async () => {
    backend.reply = (_b, res) =>
      setTimeout(() => json(res, 200, { allow: true, user: 'ann' }), 100);
    const auth = hook({ timeoutMs: 2000 });
    const ids = await Promise.all(
      Array.from({ length: 10 }, () => auth.authenticate({ token: 'storm' })),
    );
    assert.deepEqual(
      ids.map((i) => i.user),
      Array(10).fill('ann'),
    );
    assert.equal(backend.requests.length, 1);
  });

  it('tells onUnavailable why the backend failed', async () => {
    backend.reply = (_b, res) => json(res, 503, {});
    const reasons: unknown[] = [];
    await assert.rejects(
      hook({ onUnavailable: (e: unknown) => reasons.push(e) }).authenticate({ handle: 'ann' }),
      {
        code: 'SB_ERR_AUTH_UNAVAILABLE',
      },
    );
    assert.equal(reasons.length, 1);
  });

  it('caches allow and deny per credential for the cache time, and not failures', async () => {
    const auth = hook({ cacheMs: 400 });
    backend.reply = (b, res) =>
      b.credentials.token === 'good'
        ? json(res, 200, { allow: true, user: 'ann' })
        : json(res, 200, { allow: false });
    for (let i = 0; i < 5; i++) {
      assert.equal((await auth.authenticate({ token: 'good' })).user, 'ann');
      await assert.rejects(auth.authenticate({ token: 'bad' }), { code: 'SB_ERR_AUTH_DENIED' });
    }
    assert.equal(backend.requests.length, 2);
    await new Promise((r) => setTimeout(r, 450));
    await auth.authenticate({ token: 'good' });
    assert.equal(backend.requests.length, 3);

    backend.reply = (_b, res) => json(res, 500, {});
    for (let i = 0; i < 3; i++)
      await assert.rejects(auth.authenticate({ token: 'other' }), {
        code: 'SB_ERR_AUTH_UNAVAILABLE',
      });
    assert.equal(backend.requests.length, 6);
  });
});

describe('AuthChain', () => {
  const backend = new Backend();
  let url = '';
  before(async () => {
    url = await backend.start();
  });
  after(() => backend.close());
  beforeEach(() => {
    backend.requests = [];
  });
  const base = () => new HandleAuthenticator({ sessions: new MemoryStore(), ttlMs: 60_000 });
  const jwt = new JwtAuthenticator({ secret: SECRET });
  const webhook = () => new WebhookAuthenticator({ url, secret: HOOK_SECRET, timeoutMs: 1000 });

  it('sends a jwt to the JWT authenticator and a handle to the base one', async () => {
    const chain = new AuthChain({ base: base(), jwt });
    const viaJwt = await chain.authenticate({ jwt: await sign('secret', { sub: 'joe' }) });
    assert.equal(viaJwt.user, 'joe');
    assert.equal(viaJwt.endsAtExpiry, true);
    const viaHandle = await chain.authenticate({ handle: 'guest1' });
    assert.equal(viaHandle.user, 'guest1');
    assert.ok(viaHandle.token.length > 0);
  });

  it('refuses a jwt with SB_ERR_JWT_INVALID when no JWT key is configured', async () => {
    const chain = new AuthChain({ base: base() });
    await assert.rejects(chain.authenticate({ jwt: await sign('secret') }), {
      code: 'SB_ERR_JWT_INVALID',
    });
  });

  it('lets the webhook decide every other credential, and never the base when it denies', async () => {
    backend.reply = (_b, res) => json(res, 200, { allow: false });
    const chain = new AuthChain({ base: base(), jwt, webhook: webhook() });
    await assert.rejects(chain.authenticate({ handle: 'guest2' }), { code: 'SB_ERR_AUTH_DENIED' });
    assert.deepEqual(backend.requests, [{ type: 'hello', credentials: { handle: 'guest2' } }]);
    assert.equal((await chain.authenticate({ jwt: await sign('secret') })).user, 'ann');
    assert.equal(backend.requests.length, 1);
  });

  it('fails closed by default and falls back to the base authenticator when fail-open', async () => {
    backend.reply = () => {};
    const closed = new AuthChain({ base: base(), webhook: webhook() });
    await assert.rejects(closed.authenticate({ handle: 'guest3' }), {
      code: 'SB_ERR_AUTH_UNAVAILABLE',
    });
    const open = new AuthChain({ base: base(), webhook: webhook(), webhookFailOpen: true });
    assert.equal((await open.authenticate({ handle: 'guest3' })).user, 'guest3');
    // A deny is a decision, not an outage: fail-open does not override it.
    backend.reply = (_b, res) => json(res, 200, { allow: false });
    await assert.rejects(open.authenticate({ handle: 'guest4' }), { code: 'SB_ERR_AUTH_DENIED' });
  });

  it('keeps a guest from claiming the name of a user who came by JWT (has channels, no session)', async () => {
    const chain = new AuthChain({ base: base(), jwt, knownUser: async (u) => u === 'joe' });
    await chain.authenticate({ jwt: await sign('secret', { sub: 'joe' }) });
    await assert.rejects(chain.authenticate({ handle: 'JOE' }), { code: 'SB_ERR_HANDLE_TAKEN' });
    assert.equal((await chain.authenticate({ handle: 'joey' })).user, 'joey');
  });

  it('knows users of the base authenticator and those knownUser vouches for', async () => {
    const b = base();
    await b.authenticate({ handle: 'guest5' });
    const chain = new AuthChain({ base: b, knownUser: async (u) => u === 'joe' });
    assert.equal(await chain.exists('guest5'), true);
    assert.equal(await chain.exists('joe'), true);
    assert.equal(await chain.exists('nobody'), false);
  });

  it('answers the server roles the base keeps for a user, and none from a JWT claim', async () => {
    const kept: Authenticator = {
      authenticate: () => Promise.reject(new Error('unused')),
      exists: () => Promise.resolve(true),
      serverRoles: (u) => Promise.resolve(u === 'opal' ? ['admin'] : []),
    };
    const chain = new AuthChain({ base: kept, jwt });
    await chain.authenticate({ jwt: await sign('secret', { sub: 'joe', roles: ['admin'] }) });
    assert.deepEqual(await chain.serverRoles('opal'), ['admin']);
    assert.deepEqual(await chain.serverRoles('joe'), []);
    assert.deepEqual(await new AuthChain({ base: base() }).serverRoles('opal'), []);
  });

  it('keeps the roles a JWT or the webhook presents (presented), written once per change', async () => {
    const store = new MemoryStore();
    const writes: [string, string[]][] = [];
    const presented = {
      set: (u: string, r: string[]) => {
        writes.push([u, r]);
        return store.accounts.setPresentedRoles(u, r, 0);
      },
      get: (u: string) => store.accounts.presentedRoles(u),
    };
    const kept: Authenticator = {
      authenticate: () => Promise.reject(new Error('unused')),
      exists: () => Promise.resolve(true),
      serverRoles: (u) => Promise.resolve(u === 'joe' ? ['auditor'] : []),
    };
    const chain = new AuthChain({ base: kept, jwt, webhook: webhook(), presented });
    const admin = await sign('secret', { sub: 'joe', roles: ['admin'] });
    await chain.authenticate({ jwt: admin });
    await chain.authenticate({ jwt: admin });
    assert.deepEqual(writes, [['joe', ['admin']]], 'the same roles again are not written again');
    assert.deepEqual([...(await chain.serverRoles('joe'))].sort(), ['admin', 'auditor']);
    await chain.authenticate({ jwt: await sign('secret', { sub: 'joe' }) });
    assert.deepEqual(await chain.serverRoles('joe'), ['auditor'], 'a token without it takes it');
    backend.reply = (_b, res) => json(res, 200, { allow: true, user: 'kim', roles: ['admin'] });
    await chain.authenticate({ token: 'from-the-backend' });
    assert.deepEqual(await chain.serverRoles('kim'), ['admin'], 'the webhook’s too');
    // A failed write does not refuse the hello.
    const failing = new AuthChain({
      base: kept,
      jwt,
      presented: { set: () => Promise.reject(new Error('store down')), get: async () => [] },
    });
    assert.equal((await failing.authenticate({ jwt: admin })).user, 'joe');
  });
});
