/**
 * Webhook delivery against a real receiver on loopback (allowed by --webhook-allow) that fails,
 * hangs, restarts and answers late: every event arrives, exactly once after dedupe by id, in
 * order per channel; a replay delivers everything again in order; a hanging receiver does not
 * stop chat; an event failing past the bound turns the subscription dead until resumed.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { WsTestClient } from '../helpers/ws-client.js';
import { WebhookReceiver, type Delivery } from '../helpers/webhook-receiver.js';
import { startHookNode, type HookNode } from './setup.js';

const SECRET = 'whsec_test_secret_0123456789';

interface Sub {
  id: string;
  state: string;
  secret?: string;
  delivery: { cursor: number; head: number; failingSince: number | null; lastError: string | null };
}

async function subscribe(node: HookNode, url: string, body: object = {}): Promise<Sub> {
  const r = await node.http.post(
    '/webhooks',
    { url, secret: SECRET, from: 0, ...body },
    node.admin,
  );
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as unknown as Sub;
}

async function chatter(node: HookNode, rooms: string[], perRoom: number) {
  const ann = await WsTestClient.connect(node.server.wsUrl);
  await ann.hello({ handle: 'ann' });
  for (const room of rooms.filter((r) => r !== 'general')) await ann.call({ type: 'create', room });
  for (let i = 0; i < perRoom; i++)
    for (const room of rooms)
      await ann.call({ type: 'send', room, text: `${room} ${i}`, cid: `${room}-${i}` });
  return ann;
}

/** Message events per channel, in the order given. */
function byChannel(list: Delivery[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const d of list)
    if (d.type === 'message.created' && d.channel)
      out.set(d.channel, [...(out.get(d.channel) ?? []), d.data['seq'] as number]);
  return out;
}

const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);

describe('webhook delivery to a receiver that fails, hangs, restarts and answers late', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test('gets every event exactly once after dedupe by id, in order per channel, and again on replay', async () => {
    const node = await startHookNode();
    cleanup.push(() => node.server.stop());
    let restarted = false;
    const receiver = new WebhookReceiver(SECRET, (n) => {
      if (n % 5 === 1) return 500;
      if (n % 7 === 3) return 'hang'; // longer than --webhook-timeout-ms: retried
      if (n % 11 === 5) return { late: 400 }; // acknowledged after the node gave up: a duplicate
      return 200;
    });
    await receiver.listen();
    cleanup.push(() => receiver.close());
    const sub = await subscribe(node, receiver.url);
    const rooms = ['general', 'dev', 'ops'];
    const perRoom = 20;
    const ann = await chatter(node, rooms, perRoom);
    await receiver.until(() => receiver.requests > 20, 'some requests');
    await receiver.restart();
    restarted = true;
    // A user's presence events have their own lane (deliverer.ts), not ordered with the rooms':
    // user.online may still wait for a retry when the last message arrives. Wait for it too.
    const done = () => {
      const unique = receiver.unique();
      const got = byChannel(unique);
      return (
        rooms.every((r) => (got.get(`room:${r}`) ?? []).length === perRoom) &&
        unique.some((d) => d.type === 'room.created') &&
        unique.some((d) => d.type === 'user.online')
      );
    };
    await receiver.until(done, 'every message event, room.created and user.online', 30_000);
    assert.ok(restarted);
    assert.equal(receiver.badSignatures, 0);
    const unique = receiver.unique();
    assert.ok(receiver.acknowledged.length >= unique.length);
    for (const [channel, seqs] of byChannel(unique)) {
      assert.ok(ascending(seqs), `${channel} in order: ${seqs.join(',')}`);
    }
    // Positions are unique ids: no two different events share one.
    assert.equal(new Set(unique.map((d) => d.position)).size, unique.length);
    assert.ok(unique.some((d) => d.type === 'room.created'));
    assert.ok(unique.some((d) => d.type === 'user.online'));

    // Replay from the first position: everything again, in order per channel.
    receiver.respond = () => 200;
    const before = receiver.acknowledged.length;
    const replay = await node.http.post(`/webhooks/${sub.id}/replay`, { from: 1 }, node.admin);
    assert.equal(replay.status, 200);
    const again = () => receiver.acknowledged.slice(before);
    await receiver.until(() => {
      const got = byChannel(again());
      return rooms.every((r) => (got.get(`room:${r}`) ?? []).length >= perRoom);
    }, 'the replay');
    for (const [channel, seqs] of byChannel(again())) {
      assert.deepEqual(
        seqs.slice(0, perRoom),
        [...Array(perRoom).keys()].map((i) => i + 1),
        channel,
      );
    }
    ann.close();
  });

  test('a hanging receiver does not stop chat: every message still reaches the other user', async () => {
    const node = await startHookNode({ webhookTimeoutMs: 60_000 });
    cleanup.push(() => node.server.stop());
    const receiver = new WebhookReceiver(SECRET, () => 'hang');
    await receiver.listen();
    cleanup.push(() => receiver.close());
    await subscribe(node, receiver.url);
    const bob = await WsTestClient.connect(node.server.wsUrl);
    await bob.hello({ handle: 'bob' });
    const ann = await chatter(node, ['general'], 100);
    await bob.waitFor((f) => f.type === 'message' && f['text'] === 'general 99');
    const got = bob.all().filter((f) => f.type === 'message' && f['from'] === 'ann');
    assert.equal(got.length, 100);
    // One request in flight per channel: the hung receiver holds a bounded number of them.
    assert.ok(receiver.requests <= 16, `requests in flight: ${receiver.requests}`);
    assert.equal(receiver.acknowledged.length, 0);
    ann.close();
    bob.close();
  });

  test('an event failing past --webhook-dead-after-ms turns the subscription dead; active resumes it', async () => {
    const node = await startHookNode({ webhookDeadAfterMs: 300 });
    cleanup.push(() => node.server.stop());
    const receiver = new WebhookReceiver(SECRET, () => 500);
    await receiver.listen();
    cleanup.push(() => receiver.close());
    const sub = await subscribe(node, receiver.url, { events: ['message.created'] });
    const ann = await chatter(node, ['general'], 3);
    let state: Sub | undefined;
    await (async () => {
      for (let i = 0; i < 400; i++) {
        state = (await node.http.call('GET', `/webhooks/${sub.id}`, undefined, node.admin))
          .body as unknown as Sub;
        if (state.state === 'dead') return;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    assert.equal(state?.state, 'dead');
    assert.match(state.delivery.lastError ?? '', /HTTP 500/);
    receiver.respond = () => 200;
    const resumed = await node.http.call(
      'PATCH',
      `/webhooks/${sub.id}`,
      { state: 'active' },
      node.admin,
    );
    assert.equal(resumed.status, 200);
    await receiver.until(() => receiver.unique().length === 3, 'the three messages');
    assert.deepEqual(
      receiver.unique().map((d) => d.data['text']),
      ['general 0', 'general 1', 'general 2'],
    );
    ann.close();
  });

  test('lists the delivery attempts of a subscription, newest first: two failures, then the 2xx', async () => {
    const node = await startHookNode();
    cleanup.push(() => node.server.stop());
    const receiver = new WebhookReceiver(SECRET, (n) => (n <= 2 ? 503 : 200));
    await receiver.listen();
    cleanup.push(() => receiver.close());
    const sub = await subscribe(node, receiver.url, { events: ['message.created'] });
    const ann = await chatter(node, ['general'], 1);
    await receiver.until(() => receiver.acknowledged.length === 1, 'the message');
    type Attempt = {
      eventId: string;
      position: number;
      attempt: number;
      status: number | null;
      error: string | null;
      durationMs: number;
      ts: number;
    };
    let attempts: Attempt[] = [];
    for (let i = 0; i < 100 && attempts.length < 3; i++) {
      const r = await node.http.call(
        'GET',
        `/webhooks/${sub.id}/deliveries`,
        undefined,
        node.admin,
      );
      assert.equal(r.status, 200);
      attempts = (r.body as unknown as { deliveries: Attempt[] }).deliveries;
      if (attempts.length < 3) await new Promise((r) => setTimeout(r, 50));
    }
    const acked = receiver.acknowledged[0]!;
    assert.deepEqual(
      attempts.map((a) => [a.eventId, a.position, a.attempt, a.status, a.error]),
      [
        [acked.id, acked.position, 3, 200, null],
        [acked.id, acked.position, 2, 503, null],
        [acked.id, acked.position, 1, 503, null],
      ],
    );
    assert.ok(attempts.every((a) => a.durationMs >= 0 && a.ts > 0));
    assert.ok(attempts[0]!.ts >= attempts[2]!.ts);
    const one = await node.http.call(
      'GET',
      `/webhooks/${sub.id}/deliveries?limit=1`,
      undefined,
      node.admin,
    );
    assert.equal((one.body as unknown as { deliveries: Attempt[] }).deliveries.length, 1);
    const bad = await node.http.call(
      'GET',
      `/webhooks/${sub.id}/deliveries?limit=0`,
      undefined,
      node.admin,
    );
    assert.equal(bad.status, 400);
    const none = await node.http.call('GET', '/webhooks/wh_nope/deliveries', undefined, node.admin);
    assert.equal(none.body.code, 'SB_ERR_WEBHOOK_NOT_FOUND');

    // A receiver that is gone: the attempt carries the fetch error code and no status.
    await receiver.close();
    cleanup.pop();
    await ann.call({ type: 'send', room: 'general', text: 'into the void', cid: 'void' });
    let failed: Attempt | undefined;
    for (let i = 0; i < 100 && !failed; i++) {
      const r = await node.http.call(
        'GET',
        `/webhooks/${sub.id}/deliveries?limit=1`,
        undefined,
        node.admin,
      );
      const [newest] = (r.body as unknown as { deliveries: Attempt[] }).deliveries;
      if (newest && newest.position > acked.position) failed = newest;
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(failed?.status, null);
    assert.match(failed?.error ?? '', /^SB_ERR_FETCH_/);
    ann.close();
  });
});
