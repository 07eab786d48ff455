/**
 * /api/v1/webhooks: API keys with webhooks:write and server admins only, a secret shown once, SSRF refusals at create time (loopback
 * without the allow-list, metadata, private) and at delivery time (a redirect to a refused
 * address), and the before-send hook (allow, reject, rewrite, timeout open and closed).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import type { Store } from '../../src/store/store.js';
import { verify } from '../../src/webhooks/signature.js';
import { WsTestClient } from '../helpers/ws-client.js';
import { startHookNode, type HookNode } from './setup.js';

interface Sub {
  id: string;
  state: string;
  secret?: string;
  code?: string;
  delivery: { lastError: string | null; failingSince: number | null };
}

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function node(options: Record<string, unknown> = {}): Promise<HookNode> {
  const n = await startHookNode(options);
  cleanup.push(() => n.server.stop());
  return n;
}

/** A loopback HTTP server answering with `handle`. */
async function serve(
  handle: (body: string, res: ServerResponse, req: IncomingMessage) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handle(body, res, req));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

describe('webhook management', () => {
  test('refuses a call without a token (401) and a member who is not a server admin (403)', async () => {
    const n = await node();
    const none = await n.http.call('GET', '/webhooks');
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 'SB_ERR_NOT_AUTHENTICATED');
    const user = await n.http.post('/auth/register', {
      handle: 'eve',
      password: 'correct horse battery',
    });
    const denied = await n.http.call('GET', '/webhooks', undefined, user.body.token);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.code, 'SB_ERR_FORBIDDEN');
  });

  test('takes an API key with webhooks:write (or admin), and refuses one without it (403)', async () => {
    const n = await node();
    const key = async (scopes: string[]): Promise<string> => {
      const made = await n.http.post('/api-keys', { name: scopes.join('+'), scopes }, n.admin);
      assert.equal(made.status, 201);
      return String((made.body as unknown as { key: string }).key);
    };
    const hooks = await key(['webhooks:write']);
    const made = await n.http.post('/webhooks', { url: 'http://127.0.0.1:9/x' }, hooks);
    assert.equal(made.status, 201);
    const listed = await n.http.call('GET', '/webhooks', undefined, await key(['admin']));
    assert.equal(listed.status, 200);
    const other = await n.http.call('GET', '/webhooks', undefined, await key(['messages:write']));
    assert.equal(other.status, 403);
    assert.equal(other.body.code, 'SB_ERR_API_SCOPE_MISSING');
    const bogus = await n.http.call('GET', '/webhooks', undefined, 'sbk_not_a_key');
    assert.equal(bogus.status, 401);
    assert.equal(bogus.body.code, 'SB_ERR_API_KEY_INVALID');
  });

  test('answers SB_ERR_WEBHOOKS_DISABLED without --webhooks', async () => {
    const n = await node({ webhooks: false });
    const r = await n.http.call('GET', '/webhooks', undefined, n.admin);
    assert.equal(r.body.code, 'SB_ERR_WEBHOOKS_DISABLED');
  });

  test('shows a generated secret once, lists without it, updates, and deletes', async () => {
    const n = await node();
    const made = await n.http.post('/webhooks', { url: 'http://127.0.0.1:9/x' }, n.admin);
    assert.equal(made.status, 201);
    const sub = made.body as unknown as Sub;
    assert.match(sub.secret ?? '', /^whsec_/);
    const list = await n.http.call('GET', '/webhooks', undefined, n.admin);
    const listed = (list.body as unknown as { webhooks: Sub[] }).webhooks;
    assert.deepEqual(
      listed.map((s) => s.id),
      [sub.id],
    );
    assert.equal(listed[0]!.secret, undefined);
    const paused = await n.http.call('PATCH', `/webhooks/${sub.id}`, { state: 'paused' }, n.admin);
    assert.equal((paused.body as unknown as Sub).state, 'paused');
    const bad = await n.http.call('PATCH', `/webhooks/${sub.id}`, { events: ['nope'] }, n.admin);
    assert.equal(bad.body.code, 'SB_ERR_HTTP_BAD_REQUEST');
    assert.equal(
      (await n.http.call('DELETE', `/webhooks/${sub.id}`, undefined, n.admin)).status,
      204,
    );
    const gone = await n.http.call('GET', `/webhooks/${sub.id}`, undefined, n.admin);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.code, 'SB_ERR_WEBHOOK_NOT_FOUND');
  });

  for (const url of [
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.5/hook',
    'http://192.168.1.1/hook',
    'http://[::1]/hook',
    'file:///etc/passwd',
  ]) {
    test(`refuses ${url} at create time with SB_ERR_WEBHOOK_URL_REFUSED (no allow-list)`, async () => {
      const n = await node({ webhookAllow: [] });
      const r = await n.http.post('/webhooks', { url }, n.admin);
      assert.equal(r.status, 400);
      assert.equal(r.body.code, 'SB_ERR_WEBHOOK_URL_REFUSED');
    });
  }

  test('a redirect to the metadata address fails at delivery with SB_ERR_FETCH_REFUSED', async () => {
    const n = await node();
    const { url } = await serve((_b, res) =>
      res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );
    const made = await n.http.post('/webhooks', { url, from: 0 }, n.admin);
    assert.equal(made.status, 201);
    const id = (made.body as unknown as Sub).id;
    const ann = await WsTestClient.connect(n.server.wsUrl);
    await ann.hello({ handle: 'ann' });
    await ann.call({ type: 'send', room: 'general', text: 'hi', cid: 'c1' });
    let sub: Sub | undefined;
    for (let i = 0; i < 200 && !sub?.delivery.lastError; i++) {
      await new Promise((r) => setTimeout(r, 50));
      sub = (await n.http.call('GET', `/webhooks/${id}`, undefined, n.admin))
        .body as unknown as Sub;
    }
    assert.match(sub?.delivery.lastError ?? '', /^SB_ERR_FETCH_REFUSED/);
    ann.close();
  });
});

describe('the before-send hook', () => {
  async function hooked(fail: 'open' | 'closed') {
    const backend = await serve((body, res, req) => {
      if (!verify('hook-secret', String(req.headers['switchboard-signature']), body)) {
        res.writeHead(401).end();
        return;
      }
      const { text } = JSON.parse(body) as { text: string };
      if (text.startsWith('hang')) return; // never answers
      const answer = text.startsWith('spam')
        ? { action: 'reject', reason: 'no spam' }
        : text.startsWith('darn')
          ? { action: 'rewrite', text: 'd**n' }
          : { action: 'allow' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    const n = await node({
      beforeSendUrl: backend.url,
      beforeSendSecret: 'hook-secret',
      beforeSendTimeoutMs: 200,
      beforeSendFail: fail,
    });
    const ann = await WsTestClient.connect(n.server.wsUrl);
    await ann.hello({ handle: 'ann' });
    cleanup.push(async () => ann.close());
    return Object.assign(ann, { node: n });
  }

  test('allows, rejects with SB_ERR_MESSAGE_REJECTED and rewrites; a timeout fails closed with SB_ERR_HOOK_UNAVAILABLE', async () => {
    const ann = await hooked('closed');
    const ok = await ann.call<{ message: { text: string } }>({
      type: 'send',
      room: 'general',
      text: 'hello',
      cid: 'a',
    });
    assert.equal(ok.message.text, 'hello');
    const no = await ann.request({ type: 'send', room: 'general', text: 'spam spam', cid: 'b' });
    assert.equal(no['code'], 'SB_ERR_MESSAGE_REJECTED');
    const re = await ann.call<{ message: { text: string } }>({
      type: 'send',
      room: 'general',
      text: 'darn it',
      cid: 'c',
    });
    assert.equal(re.message.text, 'd**n');
    const late = await ann.request({ type: 'send', room: 'general', text: 'hang on', cid: 'd' });
    assert.equal(late['code'], 'SB_ERR_HOOK_UNAVAILABLE');
    const history = await ann.call<{ messages: { text: string }[] }>({
      type: 'history',
      channel: 'room:general',
    });
    assert.deepEqual(
      history.messages.map((m) => m.text),
      ['hello', 'd**n'],
    );
  });

  test('a refused first DM opens no conversation', async () => {
    const ann = await hooked('closed');
    const bob = await WsTestClient.connect(ann.node.server.wsUrl);
    await bob.hello({ handle: 'bob' });
    cleanup.push(async () => bob.close());
    const no = await ann.request({ type: 'send', to: 'bob', text: 'spam!', cid: 'dm1' });
    assert.equal(no['code'], 'SB_ERR_MESSAGE_REJECTED');
    const store: Store = ann.node.store;
    assert.deepEqual(
      (await store.memberships('bob')).map((m) => m.channel),
      ['room:general'],
    );
  });

  test('a timeout fails open: the message is stored as sent', async () => {
    const ann = await hooked('open');
    const late = await ann.call<{ message: { text: string } }>({
      type: 'send',
      room: 'general',
      text: 'hang on',
      cid: 'd',
    });
    assert.equal(late.message.text, 'hang on');
  });
});
