/**
 * Push notifications end to end: a real server process, real sockets, and a push service on
 * loopback (test/helpers/push-service.ts) that checks each post's VAPID signature and decrypts
 * its aes128gcm payload with the subscription's private key. The server runs with one push at
 * a time (`--push-concurrency 1`), so notifications reach the service in the order they were
 * queued: a "marker" DM to another offline user, once received, proves that nothing queued
 * before it is still on the way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { opensslAvailable, PushService, type TestSubscription } from '../helpers/push-service.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';

const skip = !opensslAvailable() && !process.env.CI ? 'openssl is not installed' : false;

describe('push notifications', { skip }, () => {
  let service: PushService;
  let server: ServerHandle;
  /** Sends every DM; always connected. */
  let ann: WsTestClient;
  const clients: WsTestClient[] = [];

  before(async () => {
    service = await PushService.start();
    server = await startServer({
      args: ['--push-ca', service.caFile, '--push-allow-private', '--push-concurrency', '1'],
    });
    ann = await signIn('ann');
  });
  after(async () => {
    for (const c of clients) c.close();
    await server?.dispose();
    await service?.close();
  });

  async function signIn(handle: string): Promise<WsTestClient> {
    const c = await WsTestClient.connect(server.wsUrl);
    clients.push(c);
    await c.hello({ handle });
    return c;
  }

  /** Signs `handle` in, registers a new subscription, applies settings, and signs out. */
  async function offlineWithDevice(
    handle: string,
    mode: 'accept' | 'gone' = 'accept',
    settings: Record<string, unknown> | null = null,
  ): Promise<{ sub: TestSubscription; token: string }> {
    const c = await signIn(handle);
    const sub = service.subscription(mode);
    await c.call({ type: 'push-subscribe', ...sub.json });
    if (settings) await c.call({ type: 'notify-settings', ...settings });
    c.close();
    await c.waitClosed();
    await waitOffline(handle);
    return { sub, token: c.token };
  }

  /** Until presence no longer counts `handle`. */
  async function waitOffline(handle: string): Promise<void> {
    const probe = await signIn(`probe${clients.length}`);
    for (;;) {
      const { users } = await probe.call<{ users: { user: string }[] }>({ type: 'users' });
      if (!users.some((u) => u.user === handle)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    probe.close();
  }

  /** A DM to a fresh offline user with a device, and its arrival there: the queue is through. */
  async function marker(sender: WsTestClient): Promise<void> {
    const handle = `marker${clients.length}`;
    const { sub } = await offlineWithDevice(handle);
    await sender.call({ type: 'send', to: handle, cid: `m-${handle}`, text: 'marker' });
    await service.until(() => service.received.some((r) => r.id === sub.id));
  }

  const pushesTo = (sub: TestSubscription) => service.received.filter((r) => r.id === sub.id);

  it('sends a DM to a user with no connected device, VAPID-signed and encrypted for their subscription', async () => {
    const { sub } = await offlineWithDevice('bob');
    const text = `hello bob ${'x'.repeat(300)}`;
    const sent = await ann.call<{ message: { seq: number } }>({
      type: 'send',
      to: 'bob',
      cid: 'c1',
      text,
    });
    await service.until(() => pushesTo(sub).length === 1);
    const [push] = pushesTo(sub);
    assert.deepEqual(push!.payload, {
      v: 1,
      kind: 'dm',
      channel: 'dm:ann:bob',
      seq: sent.message.seq,
      from: 'ann',
      text: `${text.slice(0, 120)}…`,
    });
    const key = (await (await fetch(`${server.url}/api/v1/push/vapid-public-key`)).json()) as {
      publicKey: string;
    };
    assert.equal(push!.vapidKey, key.publicKey, 'signed with the key pages subscribe with');
    assert.equal(push!.claims.aud, service.origin);
    assert.equal(service.rejected.length, 0, JSON.stringify(service.rejected));
  });

  it('sends nothing to a user who has a connected device', async () => {
    const { sub, token } = await offlineWithDevice('cat');
    const cat = await WsTestClient.connect(server.wsUrl);
    clients.push(cat);
    await cat.hello({ token });
    await ann.call({ type: 'send', to: 'cat', cid: 'c2', text: 'you are here' });
    await cat.waitFor((f) => f.type === 'message' && f.text === 'you are here');
    await marker(ann);
    assert.equal(service.hits.get(sub.id) ?? 0, 0);
  });

  it('sends nothing to a user whose level is none, or who muted the conversation', async () => {
    const none = await offlineWithDevice('dan', 'accept', { level: 'none' });
    // Muting needs the conversation: eve is there when it starts, then mutes it and leaves.
    const eve = await signIn('eve');
    await ann.call({ type: 'send', to: 'eve', cid: 'c3', text: 'first' });
    await eve.waitFor((f) => f.type === 'message' && f.text === 'first');
    const muted = { sub: service.subscription() };
    await eve.call({ type: 'push-subscribe', ...muted.sub.json });
    await eve.call({
      type: 'notify-settings',
      channel: 'dm:ann:eve',
      mutedUntil: Date.now() + 3_600_000,
    });
    eve.close();
    await waitOffline('eve');
    await ann.call({ type: 'send', to: 'dan', cid: 'c4', text: 'to dan' });
    await ann.call({ type: 'send', to: 'eve', cid: 'c5', text: 'to eve' });
    await marker(ann);
    assert.equal(service.hits.get(none.sub.id) ?? 0, 0);
    assert.equal(service.hits.get(muted.sub.id) ?? 0, 0);
  });

  it('sends DMs at level mentions, and no text when previews are off', async () => {
    const { sub } = await offlineWithDevice('fay', 'accept', { level: 'mentions', preview: false });
    await ann.call({ type: 'send', to: 'fay', cid: 'c6', text: 'secret' });
    await service.until(() => pushesTo(sub).length === 1);
    assert.equal(pushesTo(sub)[0]!.payload.text, undefined);
    assert.equal(pushesTo(sub)[0]!.payload.kind, 'dm');
  });

  it('forgets a subscription its push service answers 410 Gone', async () => {
    const { sub } = await offlineWithDevice('gus', 'gone');
    await ann.call({ type: 'send', to: 'gus', cid: 'c7', text: 'one' });
    await service.until(() => service.hits.get(sub.id) === 1);
    await marker(ann);
    await ann.call({ type: 'send', to: 'gus', cid: 'c8', text: 'two' });
    await marker(ann);
    assert.equal(service.hits.get(sub.id), 1, 'not posted to again');
  });

  it('answers registrations it will not post to with SB_ERR_PUSH_SUBSCRIPTION_INVALID', async () => {
    const hal = await signIn('hal');
    const good = service.subscription().json;
    const bad = [
      { ...good, endpoint: good.endpoint.replace('https:', 'http:') },
      { ...good, endpoint: 'not a url' },
      { ...good, endpoint: `https://user:pw@${good.endpoint.slice('https://'.length)}` },
      { ...good, keys: { ...good.keys, p256dh: good.keys.auth } },
      { ...good, keys: { ...good.keys, auth: good.keys.p256dh } },
    ];
    for (const frame of bad) {
      const r = await hal.request({ type: 'push-subscribe', ...frame });
      assert.equal(r.code, 'SB_ERR_PUSH_SUBSCRIPTION_INVALID', JSON.stringify(frame));
    }
    const r = await hal.request({ type: 'push-subscribe', endpoint: good.endpoint });
    assert.equal(r.code, 'SB_ERR_BAD_FRAME');
  });

  it('reads and changes notification settings, per user and per channel of theirs', async () => {
    const ivy = await signIn('ivy');
    assert.deepEqual(await ivy.call({ type: 'notify-settings' }), {
      level: 'all',
      preview: true,
      channels: [],
    });
    await ivy.call({ type: 'join', room: 'general' });
    const until = Date.now() + 60_000;
    assert.deepEqual(
      await ivy.call({
        type: 'notify-settings',
        level: 'mentions',
        channel: 'room:general',
        channelLevel: 'none',
        mutedUntil: until,
      }),
      {
        level: 'mentions',
        preview: true,
        channels: [{ channel: 'room:general', level: 'none', mutedUntil: until }],
      },
    );
    const past = await ivy.call({
      type: 'notify-settings',
      channel: 'room:general',
      mutedUntil: 1,
    });
    assert.deepEqual(past.channels, [{ channel: 'room:general', level: 'none', mutedUntil: null }]);
    const r = await ivy.request({
      type: 'notify-settings',
      channel: 'room:nope',
      channelLevel: 'all',
    });
    assert.equal(r.code, 'SB_ERR_NOT_A_MEMBER');
    const lone = await ivy.request({ type: 'notify-settings', mutedUntil: until });
    assert.equal(lone.code, 'SB_ERR_BAD_FRAME');
    const bad = await ivy.request({ type: 'notify-settings', level: 'loud' });
    assert.equal(bad.code, 'SB_ERR_BAD_FRAME');
  });

  it('stops notifying a device whose session signed out', async () => {
    const post = (path: string, body: object, token?: string) =>
      fetch(`${server.url}/api/v1/auth/${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    const res = await post('register', { handle: 'kay', password: 'correct horse battery' });
    assert.equal(res.status, 201);
    const { token } = (await res.json()) as { token: string };
    const kay = await WsTestClient.connect(server.wsUrl);
    clients.push(kay);
    await kay.hello({ token });
    const sub = service.subscription();
    await kay.call({ type: 'push-subscribe', ...sub.json });
    assert.equal((await post('logout', {}, token)).status, 204);
    await kay.waitClosed();
    await waitOffline('kay');
    await ann.call({ type: 'send', to: 'kay', cid: 'c10', text: 'signed out?' });
    await marker(ann);
    assert.equal(service.hits.get(sub.id) ?? 0, 0);
  });

  it('unregisters a device', async () => {
    const jay = await signIn('jay');
    const sub = service.subscription();
    await jay.call({ type: 'push-subscribe', ...sub.json });
    assert.deepEqual(await jay.call({ type: 'push-unsubscribe', endpoint: sub.json.endpoint }), {
      removed: true,
    });
    jay.close();
    await waitOffline('jay');
    await ann.call({ type: 'send', to: 'jay', cid: 'c9', text: 'gone?' });
    await marker(ann);
    assert.equal(service.hits.get(sub.id) ?? 0, 0);
  });
});

describe('push notifications with a push service that never answers', { skip }, () => {
  let service: PushService;
  let server: ServerHandle;

  before(async () => {
    service = await PushService.start();
    server = await startServer({
      args: [
        '--push-ca',
        service.caFile,
        '--push-allow-private',
        '--push-concurrency',
        '2',
        '--push-queue',
        '3',
      ],
    });
  });
  after(async () => {
    await server?.dispose();
    await service?.close();
  });

  it('keeps chat going, and drops what exceeds the bounded queue', async () => {
    const kim = await WsTestClient.connect(server.wsUrl);
    await kim.hello({ handle: 'kim' });
    const sub = service.subscription('hang');
    await kim.call({ type: 'push-subscribe', ...sub.json });
    kim.close();
    await kim.waitClosed();
    const ann = await WsTestClient.connect(server.wsUrl);
    const lee = await WsTestClient.connect(server.wsUrl);
    try {
      await ann.hello({ handle: 'ann' });
      await lee.hello({ handle: 'lee' });
      for (;;) {
        const { users } = await lee.call<{ users: { user: string }[] }>({ type: 'users' });
        if (!users.some((u) => u.user === 'kim')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      // kim is offline: every DM queues a push that hangs (2 posting, 3 waiting, the rest dropped).
      for (let i = 0; i < 20; i++)
        await ann.call({ type: 'send', to: 'kim', cid: `k${i}`, text: `k${i}` });
      await service.until(() => service.hits.get(sub.id) === 2);
      for (let i = 0; i < 20; i++)
        await ann.call({ type: 'send', to: 'lee', cid: `l${i}`, text: `l${i}` });
      await lee.waitFor((f) => f.type === 'message' && f.text === 'l19');
      assert.equal(lee.messages('dm:ann:lee').length, 20);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const dropped = /switchboard_push_total\{outcome="dropped"\} (\d+)/.exec(metrics);
      assert.equal(Number(dropped?.[1]), 15);
      assert.equal(service.hits.get(sub.id), 2, 'no more than the concurrency in flight');
    } finally {
      ann.close();
      lee.close();
    }
  });
});

describe('a server with --no-push', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startServer({ args: ['--no-push'] });
  });
  after(() => server?.dispose());

  it('answers push-subscribe and the VAPID key with SB_ERR_PUSH_UNAVAILABLE', async () => {
    const res = await fetch(`${server.url}/api/v1/push/vapid-public-key`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { code: string }).code, 'SB_ERR_PUSH_UNAVAILABLE');
    const c = await WsTestClient.connect(server.wsUrl);
    try {
      await c.hello({ handle: 'ann' });
      const r = await c.request({
        type: 'push-subscribe',
        endpoint: 'https://push.example/1',
        keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) },
      });
      assert.equal(r.code, 'SB_ERR_PUSH_UNAVAILABLE');
      assert.equal((await c.call<{ level: string }>({ type: 'notify-settings' })).level, 'all');
    } finally {
      c.close();
    }
  });
});
