/**
 * The SDK with `getToken`: it says hello with a JWT, and when the server says the JWT is
 * expiring it swaps a fresh one in on the live connection; channels stay and no message is
 * lost or doubled. Against a real server process with a JWT secret and short-lived tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage, ClientState, SwitchboardClient } from '../../src/client/index.js';
import { sign } from '../helpers/jwt.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { Reachability, collect, handle, makeClient, sleep, until } from './helpers.js';

const nowS = (): number => Math.floor(Date.now() / 1000);

describe('SwitchboardClient with getToken', () => {
  let server: ServerHandle;
  const clients: SwitchboardClient[] = [];
  before(async () => {
    server = await startServer({
      args: ['--jwt-secret', 'a-test-secret-of-at-least-32-bytes!!', '--ping-interval', '200'],
    });
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.dispose();
  });

  /** A JWT client whose tokens live `ttlS` seconds; counts its getToken calls. */
  function jwtClient(sub: string, ttlS: number, net = new Reachability()) {
    const calls = { n: 0, fail: (_n: number) => false };
    const client = makeClient({
      url: server.wsUrl,
      WebSocket: net.WebSocket,
      getToken: async () => {
        calls.n++;
        if (calls.fail(calls.n)) throw new Error('identity provider down');
        return sign('secret', { sub, exp: nowS() + ttlS });
      },
    });
    clients.push(client);
    return { client, calls, net };
  }

  async function guest(): Promise<SwitchboardClient> {
    const g = makeClient({ url: server.wsUrl, handle: handle('talker') });
    clients.push(g);
    await g.connect();
    return g;
  }

  const texts = (got: ChatMessage[]) =>
    got.filter((m) => m.channel === 'room:general').map((m) => m.text);

  it('connects with the token getToken gives, as its sub, and keeps no session token', async () => {
    const { client, calls } = jwtClient('sdk-ann', 600);
    const hello = await client.connect();
    assert.equal(hello.user, 'sdk-ann');
    assert.equal(client.user, 'sdk-ann');
    assert.equal(client.token, null);
    assert.equal(calls.n, 1);
  });

  it('connects with a fixed jwt, and refuses one that expired with SB_ERR_JWT_EXPIRED', async () => {
    const fixed = makeClient({
      url: server.wsUrl,
      jwt: await sign('secret', { sub: 'sdk-fixed', exp: nowS() + 600 }),
    });
    clients.push(fixed);
    assert.equal((await fixed.connect()).user, 'sdk-fixed');
    assert.equal(fixed.token, null);
    const stale = makeClient({
      url: server.wsUrl,
      jwt: await sign('secret', { sub: 'sdk-stale', exp: nowS() - 120 }),
    });
    clients.push(stale);
    await assert.rejects(stale.connect(), { code: 'SB_ERR_JWT_EXPIRED' });
    assert.equal(stale.state, 'closed', 'a fixed JWT that expired is final');
  });

  it('refreshes on expiring without dropping channels: messages across the refresh arrive once, in order', async () => {
    const { client, calls, net } = jwtClient('sdk-bob', 3);
    await client.connect();
    const states = collect(client, 'state');
    const got = collect(client, 'message');
    const talker = await guest();
    const sent: string[] = [];
    // Messages from someone else, and our own, for ~4 s: across the refresh at ~1.5 s and
    // past the first token's expiry at 3 s.
    for (let i = 0; i < 40; i++) {
      const text = `m${i}`;
      sent.push(text);
      if (i % 4 === 0) await client.sendToRoom('general', text);
      else await talker.sendToRoom('general', text);
      await sleep(100);
    }
    await until(() => texts(got).length >= sent.length, 5000);
    assert.deepEqual(texts(got), sent);
    assert.ok(calls.n >= 2, `getToken called ${calls.n} times`);
    assert.ok(net.sentOfType('refresh').length >= 1);
    assert.ok(net.receivedOfType('expiring').length >= 1);
    assert.equal(net.sockets.length, 1, 'the connection was never replaced');
    assert.deepEqual(states, [] as ClientState[]);
    assert.ok(client.channels.has('room:general'));
  });

  it('reconnects with a fresh token and resumes when a refresh fails and the server closes 4004', async () => {
    const { client, calls, net } = jwtClient('sdk-cy', 2);
    calls.fail = (n) => n === 2; // the refresh's token cannot be had
    await client.connect();
    const got = collect(client, 'message');
    const errors = collect(client, 'error');
    const closes = collect(client, 'closed');
    const talker = await guest();
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) {
      sent.push(`n${i}`);
      await talker.sendToRoom('general', `n${i}`);
      await sleep(100);
    }
    await until(() => texts(got).length >= sent.length, 8000);
    assert.deepEqual(texts(got), sent);
    assert.equal(closes[0]?.code, 4004);
    assert.equal(closes[0]?.reconnect, true);
    assert.ok(errors.length >= 1);
    assert.ok(net.sockets.length >= 2);
    assert.equal(client.state, 'ready');
    assert.equal(client.user, 'sdk-cy');
  });
});
