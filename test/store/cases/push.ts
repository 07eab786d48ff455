/**
 * Conformance cases of the push seam of storage (src/store/push-store.ts): subscriptions keyed
 * by endpoint, notification settings per user and per channel, and the cluster's VAPID pair,
 * all surviving a reopen where the backend persists.
 */
import assert from 'node:assert/strict';
import { DEFAULT_NOTIFY, type PushSubscriptionRecord } from '../../../src/store/store.js';
import { DM, ROOM, T0, type StoreCase } from './helpers.js';

const sub = (n: number, over: Partial<PushSubscriptionRecord> = {}): PushSubscriptionRecord => ({
  endpoint: `https://push.example/${n}`,
  user: 'ann',
  p256dh: `key${n}`,
  auth: `auth${n}`,
  session: `s${n}`,
  createdAt: T0 + n,
  ...over,
});

export const PUSH_CASES: Record<string, StoreCase> = {
  'push-subscriptions': {
    title: 'keeps push subscriptions per user by endpoint: replace, move, unsubscribe, prune',
    async run({ open }) {
      const push = (await open()).push;
      assert.deepEqual(await push.subscriptions('ann'), []);
      await push.subscribe(sub(2));
      await push.subscribe(sub(1, { session: null }));
      await push.subscribe(sub(3, { user: 'bob' }));
      assert.deepEqual(await push.subscriptions('ann'), [sub(1, { session: null }), sub(2)]);
      // The same endpoint again: new keys, and a browser now signed in as bob takes it along.
      await push.subscribe(sub(2, { user: 'bob', p256dh: 'new', createdAt: T0 + 9 }));
      assert.deepEqual(await push.subscriptions('ann'), [sub(1, { session: null })]);
      assert.deepEqual(
        (await push.subscriptions('bob')).map((s) => [s.endpoint, s.p256dh]),
        [
          [sub(3).endpoint, 'key3'],
          [sub(2).endpoint, 'new'],
        ],
      );
      assert.equal(await push.unsubscribe('ann', sub(3).endpoint), false, "bob's, not ann's");
      assert.equal(await push.unsubscribe('bob', sub(3).endpoint), true);
      assert.equal(await push.unsubscribe('bob', sub(3).endpoint), false);
      await push.removeEndpoint(sub(1).endpoint);
      await push.removeEndpoint('https://push.example/never');
      assert.deepEqual(await push.subscriptions('ann'), []);
      assert.equal((await push.subscriptions('bob')).length, 1);
      // Signing a session out takes its devices' subscriptions with it, and only those.
      await push.subscribe(sub(4));
      await push.subscribe(sub(5, { session: 's4' }));
      await push.subscribe(sub(6, { user: 'bob', session: 's4' }));
      await push.subscribe(sub(7, { session: null }));
      await push.removeSession('ann', 's4');
      assert.deepEqual(
        (await push.subscriptions('ann')).map((s) => s.endpoint),
        [sub(7).endpoint],
      );
      assert.equal((await push.subscriptions('bob')).length, 2, "bob's stay");
    },
  },
  'notify-settings': {
    title: 'keeps notification settings per user and per channel, defaults when never set',
    async run({ open }) {
      const push = (await open()).push;
      assert.deepEqual(await push.userSettings('ann'), DEFAULT_NOTIFY);
      assert.deepEqual(await push.setUserSettings('ann', { level: 'mentions' }), {
        level: 'mentions',
        preview: true,
      });
      assert.deepEqual(await push.setUserSettings('ann', { preview: false }), {
        level: 'mentions',
        preview: false,
      });
      assert.deepEqual(await push.userSettings('bob'), DEFAULT_NOTIFY, 'per user');
      assert.deepEqual(await push.channelSettings('ann'), []);
      await push.setChannelSettings('ann', ROOM, { level: 'none' });
      await push.setChannelSettings('ann', DM, { mutedUntil: T0 + 1000 });
      assert.deepEqual(await push.setChannelSettings('ann', ROOM, { mutedUntil: T0 }), {
        channel: ROOM,
        level: 'none',
        mutedUntil: T0,
      });
      assert.deepEqual(await push.channelSettings('ann'), [
        { channel: DM, level: null, mutedUntil: T0 + 1000 },
        { channel: ROOM, level: 'none', mutedUntil: T0 },
      ]);
      // Back to following the user and not muted: the row is forgotten.
      await push.setChannelSettings('ann', DM, { mutedUntil: null });
      assert.deepEqual(await push.channelSettings('ann'), [
        { channel: ROOM, level: 'none', mutedUntil: T0 },
      ]);
      assert.deepEqual(await push.channelSettings('bob'), []);
      assert.deepEqual(await push.userSettings('ann'), { level: 'mentions', preview: false });
    },
  },
  'vapid-keys': {
    title: 'stores the first VAPID pair offered and answers it to every later offer',
    async run({ open }) {
      const push = (await open()).push;
      const first = { publicKey: 'pub-1', privateKey: 'priv-1' };
      assert.deepEqual(await push.vapidKeys(first), first);
      assert.deepEqual(await push.vapidKeys({ publicKey: 'pub-2', privateKey: 'priv-2' }), first);
    },
  },
  'push-reopen': {
    title: 'keeps the VAPID pair, subscriptions and settings when reopened',
    async run({ fresh, openAt }) {
      const url = await fresh();
      const first = { publicKey: 'pub-1', privateKey: 'priv-1' };
      const a = await openAt(url);
      await a.push.vapidKeys(first);
      await a.push.setUserSettings('ann', { level: 'none' });
      await a.push.setChannelSettings('ann', ROOM, { mutedUntil: T0 });
      await a.push.subscribe(sub(1));
      await a.close();
      const b = await openAt(url);
      assert.deepEqual(await b.push.vapidKeys({ publicKey: 'x', privateKey: 'y' }), first);
      assert.deepEqual(await b.push.subscriptions('ann'), [sub(1)]);
      assert.equal((await b.push.userSettings('ann')).level, 'none');
      assert.deepEqual(await b.push.channelSettings('ann'), [
        { channel: ROOM, level: null, mutedUntil: T0 },
      ]);
    },
  },
};
