/**
 * Conformance cases of the webhook seam (src/store/webhook-store.ts): the ordered event log,
 * presence changes logged once, subscriptions, the delivery lease and the fenced cursor.
 */
import assert from 'node:assert/strict';
import type { NewWebhookEvent } from '../../../src/store/store.js';
import { ROOM, T0, type StoreCase } from './helpers.js';

const ev = (n: number): NewWebhookEvent => ({
  type: 'message.created',
  channel: ROOM,
  ts: T0 + n,
  data: { seq: n, text: `m${n}` },
});

const sub = (id: string, cursor = 0) => ({
  id,
  url: 'https://hooks.example/in',
  events: [],
  secret: 'whsec_0123456789abcdef',
  state: 'active' as const,
  cursor,
  createdAt: T0,
});

export const WEBHOOK_CASES: Record<string, StoreCase> = {
  'webhook-log-order': {
    title:
      'gives webhook events increasing positions and reads them back in order after a position',
    async run({ open }) {
      const store = await open();
      const w = store.webhooks;
      assert.equal(await w.headPosition(), 0);
      const first = await w.appendEvents([ev(1), ev(2)]);
      const [third] = await w.appendEvents([ev(3)]);
      assert.ok(first[0]! < first[1]! && first[1]! < third!);
      assert.equal(await w.headPosition(), third);
      const all = await w.readEvents(0, 10);
      assert.deepEqual(
        all.map((e) => e.data),
        [1, 2, 3].map((n) => ({ seq: n, text: `m${n}` })),
      );
      assert.deepEqual(all[0], { ...ev(1), pos: first[0] });
      assert.deepEqual(
        (await w.readEvents(first[0]!, 1)).map((e) => e.pos),
        [first[1]],
      );
      assert.deepEqual(await w.readEvents(third!, 10), []);
    },
  },
  'webhook-presence-once': {
    title:
      'logs a presence change once however many nodes report it, and no offline for a stranger',
    async run({ open }) {
      const store = await open();
      const w = store.webhooks;
      const on = { type: 'user.online', channel: null, ts: T0, data: { user: 'ann' } };
      const off = { ...on, type: 'user.offline' };
      assert.equal(await w.presenceChanged('bob', false, { ...off, data: { user: 'bob' } }), false);
      assert.equal(await w.presenceChanged('ann', true, on), true);
      assert.equal(await w.presenceChanged('ann', true, on), false, 'a second node saw it too');
      assert.equal(await w.presenceChanged('ann', false, off), true);
      assert.equal(await w.presenceChanged('ann', false, off), false);
      assert.deepEqual(
        (await w.readEvents(0, 10)).map((e) => e.type),
        ['user.online', 'user.offline'],
      );
    },
  },
  'webhook-subscriptions': {
    title: 'keeps subscriptions, and a change bumps the generation and clears the failure',
    async run({ open }) {
      const store = await open();
      const w = store.webhooks;
      await w.createSubscription(sub('a', 5));
      const a = await w.subscription('a');
      assert.equal(a?.cursor, 5);
      assert.equal(a?.generation, 0);
      assert.equal(a?.failingSince, null);
      assert.deepEqual(a?.events, []);
      assert.ok(await w.lease('a', 'n1', T0 + 100, T0));
      assert.ok(
        await w.saveProgress('a', 'n1', 0, { cursor: 7, failingSince: T0, lastError: 'HTTP 500' }),
      );
      assert.equal((await w.subscription('a'))?.lastError, 'HTTP 500');
      const changed = await w.updateSubscription('a', { cursor: 2, events: ['user.online'] });
      assert.equal(changed?.cursor, 2);
      assert.equal(changed?.generation, 1);
      assert.equal(changed?.failingSince, null);
      assert.deepEqual(changed?.events, ['user.online']);
      assert.equal(await w.updateSubscription('nope', { state: 'paused' }), null);
      assert.deepEqual(
        (await w.subscriptions()).map((s) => s.id),
        ['a'],
      );
      assert.equal(await w.deleteSubscription('a'), true);
      assert.equal(await w.deleteSubscription('a'), false);
      assert.equal(await w.subscription('a'), null);
    },
  },
  'webhook-lease': {
    title: 'lets one node hold a delivery lease until it expires, and fences the cursor by it',
    async run({ open }) {
      const store = await open();
      const w = store.webhooks;
      await w.createSubscription(sub('a'));
      assert.equal(await w.lease('a', 'n1', T0 + 100, T0), true);
      assert.equal(await w.lease('a', 'n2', T0 + 150, T0 + 50), false, 'n1 holds it');
      assert.equal(await w.lease('a', 'n1', T0 + 200, T0 + 50), true, 'renewed');
      const p = { cursor: 3, failingSince: null, lastError: null };
      assert.equal(await w.saveProgress('a', 'n2', 0, p), false);
      assert.equal(await w.lease('a', 'n2', T0 + 400, T0 + 200), true, 'taken after expiry');
      assert.equal(await w.saveProgress('a', 'n1', 0, p), false, 'n1 lost it');
      assert.equal(await w.saveProgress('a', 'n2', 0, p), true);
      await w.updateSubscription('a', { cursor: 1 });
      assert.equal(await w.saveProgress('a', 'n2', 0, p), false, 'a replay bumped the generation');
      assert.equal((await w.subscription('a'))?.cursor, 1);
      await w.releaseLease('a', 'n2');
      assert.equal(await w.lease('a', 'n3', T0 + 500, T0 + 201), true, 'released: free at once');
      assert.equal(await w.lease('nope', 'n3', T0 + 500, T0), false);
    },
  },
  'webhook-prune-prefix': {
    title:
      'prunes the oldest webhook events stamped before a time, oldest first, in bounded batches, ' +
      'never the newest, and records how far it went',
    async run({ open }) {
      const store = await open();
      const w = store.webhooks;
      assert.equal(await w.prunedThrough(), 0);
      assert.equal(await w.pruneEvents(T0 + 100, 10), 0, 'an empty log');
      // Stamps 1, 2, 3, 9, 4, 5: pruning stops at the first event not older than the bound.
      const pos = await w.appendEvents([1, 2, 3, 9, 4, 5].map(ev));
      assert.equal(await w.pruneEvents(T0 + 3, 1), 1, 'one batch of one');
      assert.equal(await w.prunedThrough(), pos[0]);
      assert.equal(await w.pruneEvents(T0 + 6, 10), 2, 'stops at the event stamped 9');
      assert.equal(await w.prunedThrough(), pos[2]);
      assert.equal(await w.pruneEvents(T0 + 6, 10), 0, 'again: nothing more to do');
      assert.deepEqual(
        (await w.readEvents(0, 10)).map((e) => e.pos),
        pos.slice(3),
      );
      assert.deepEqual(
        (await w.readEvents(pos[3]!, 10)).map((e) => e.pos),
        pos.slice(4),
      );
      assert.equal(await w.pruneEvents(T0 + 1000, 10), 2, 'everything but the newest');
      assert.deepEqual(
        (await w.readEvents(0, 10)).map((e) => e.pos),
        [pos[5]],
      );
      assert.equal(await w.prunedThrough(), pos[4]);
      assert.equal(await w.headPosition(), pos[5], 'the head survives');
      const [next] = await w.appendEvents([ev(7)]);
      assert.ok(next! > pos[5]!, 'positions keep growing after a prune');
      assert.equal(await w.pruneEvents(T0 + 1000, 10), 1);
      assert.deepEqual(
        (await w.readEvents(0, 10)).map((e) => e.pos),
        [next],
      );
    },
  },
  'webhook-prune-concurrent': {
    title: 'prunes once when several pruners run at once',
    async run({ open }) {
      const store = await open();
      const w = store.webhooks;
      const pos = await w.appendEvents([...Array(50).keys()].map((n) => ev(n)));
      const removed = await Promise.all(
        [1, 2, 3, 4].map(async () => {
          let n = 0;
          for (;;) {
            const k = await w.pruneEvents(T0 + 40, 7);
            n += k;
            if (k === 0) return n;
          }
        }),
      );
      assert.equal(
        removed.reduce((a, b) => a + b, 0),
        40,
      );
      assert.equal(await w.prunedThrough(), pos[39]);
      assert.equal((await w.readEvents(0, 100)).length, 10);
    },
  },
  'webhook-delivery-history': {
    title:
      'keeps the newest 100 delivery attempts of a subscription, newest first, and drops them ' +
      'with it',
    async run({ open }) {
      const store = await open();
      const w = store.webhooks;
      await w.createSubscription(sub('a'));
      await w.createSubscription(sub('b'));
      const attempt = (n: number) => ({
        pos: n,
        attempt: 1 + (n % 3),
        status: n % 2 ? 500 : null,
        error: n % 2 ? null : 'SB_ERR_FETCH_TIMEOUT',
        durationMs: n * 10,
        ts: T0 + n,
      });
      await w.recordAttempts('a', [1, 2, 3].map(attempt));
      await w.recordAttempts('b', [attempt(50)]);
      assert.deepEqual(await w.deliveries('a', 2), [attempt(3), attempt(2)]);
      for (let n = 4; n <= 105; n += 17)
        await w.recordAttempts(
          'a',
          [...Array(17).keys()].map((i) => attempt(n + i)).filter((a) => a.pos <= 105),
        );
      const kept = await w.deliveries('a', 1000);
      assert.equal(kept.length, 100, 'bounded');
      assert.deepEqual(kept[0], attempt(105));
      assert.deepEqual(kept[99], attempt(6), 'the oldest five went');
      assert.deepEqual(await w.deliveries('b', 10), [attempt(50)], 'per subscription');
      await w.recordAttempts('nope', [attempt(1)]);
      assert.deepEqual(await w.deliveries('nope', 10), [], 'none kept for no subscription');
      await w.deleteSubscription('a');
      assert.deepEqual(await w.deliveries('a', 10), []);
    },
  },
};
