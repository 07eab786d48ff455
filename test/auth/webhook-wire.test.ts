/**
 * "Backend decides" over real WebSockets: server processes started with --auth-webhook ask a
 * real backend on loopback at every hello; allow, deny, a hanging backend (fail closed, or open
 * when configured). The server never crashes and a refused connection stays usable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { Backend, HOOK_SECRET, json } from '../helpers/webhook-backend.js';
import { WsTestClient } from '../helpers/ws-client.js';

describe('a server with an auth webhook', () => {
  const backend = new Backend();
  let closed: ServerHandle;
  let open: ServerHandle;
  before(async () => {
    const url = await backend.start();
    const args = [
      ...['--auth-webhook', url, '--auth-webhook-secret', HOOK_SECRET],
      ...['--auth-webhook-timeout', '1000', '--auth-webhook-cache', '0'],
    ];
    [closed, open] = await Promise.all([
      startServer({ args }),
      startServer({ args: [...args, '--auth-webhook-fail-open'] }),
    ]);
  });
  after(async () => {
    await Promise.all([closed.dispose(), open.dispose()]);
    await backend.close();
  });

  it('lets the backend name the user of an opaque token; the reply has no session token', async () => {
    backend.reply = (b, res) =>
      b.credentials.token === 'backend-session-1'
        ? json(res, 200, { allow: true, user: 'hook-ann', roles: ['admin'] })
        : json(res, 200, { allow: false });
    const c = await WsTestClient.connect(closed.wsUrl);
    const hello = await c.hello({ token: 'backend-session-1' });
    assert.equal(hello.user, 'hook-ann');
    assert.equal('token' in hello, false);
    assert.deepEqual(backend.requests.at(-1), {
      type: 'hello',
      credentials: { token: 'backend-session-1' },
    });
    // The answer's roles make a server admin: the server-wide audit log is theirs to read.
    assert.equal((await c.request({ type: 'audit' })).type, 'reply');
    c.close();
  });

  it('makes no server admin of a user the backend gives no roles', async () => {
    backend.reply = (_b, res) => json(res, 200, { allow: true, user: 'hook-bob' });
    const c = await WsTestClient.connect(closed.wsUrl);
    await c.hello({ token: 'backend-session-2' });
    assert.equal((await c.request({ type: 'audit' })).code, 'SB_ERR_FORBIDDEN');
    c.close();
  });

  it('answers a deny with SB_ERR_AUTH_DENIED and keeps the connection usable', async () => {
    backend.reply = (b, res) =>
      b.credentials.handle === 'hook-ok'
        ? json(res, 200, { allow: true, user: 'hook-ok' })
        : json(res, 200, { allow: false });
    const c = await WsTestClient.connect(closed.wsUrl);
    const r = await c.request({ type: 'hello', protocol: 1, handle: 'hook-mallory' });
    assert.equal(r.code, 'SB_ERR_AUTH_DENIED');
    assert.equal((await c.hello({ handle: 'hook-ok' })).user, 'hook-ok');
    c.close();
  });

  it('fails closed with retryable SB_ERR_AUTH_UNAVAILABLE when the backend hangs or answers 500', async () => {
    const c = await WsTestClient.connect(closed.wsUrl);
    backend.reply = () => {};
    const hung = await c.request({ type: 'hello', protocol: 1, handle: 'hook-bea' });
    assert.equal(hung.code, 'SB_ERR_AUTH_UNAVAILABLE');
    assert.equal(hung.retryable, true);
    backend.reply = (_b, res) => json(res, 500, {});
    const failed = await c.request({ type: 'hello', protocol: 1, handle: 'hook-bea' });
    assert.equal(failed.code, 'SB_ERR_AUTH_UNAVAILABLE');
    assert.equal((await fetch(`${closed.url}/healthz`)).status, 200);
    c.close();
  });

  it('with --auth-webhook-fail-open lets a guest handle in while the backend hangs', async () => {
    backend.reply = () => {};
    const c = await WsTestClient.connect(open.wsUrl);
    const hello = await c.hello({ handle: 'hook-cat' });
    assert.equal(hello.user, 'hook-cat');
    assert.equal(typeof hello.token, 'string');
    c.close();
  });
});
