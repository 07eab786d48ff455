/**
 * One deliverer per subscription across nodes: two dispatchers on one store; only the lease
 * holder delivers; when it dies (its lease left to expire), the other takes over from the saved
 * cursor and the receiver still gets every event, in order.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AllowList } from '../../src/net/address-policy.js';
import { MemoryWebhooks } from '../../src/store/memory-webhooks.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'whsec_dispatcher_test_secret';
const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;
const LEASE = 300;

function dispatcher(store: MemoryWebhooks, node: string): WebhookDispatcher {
  return new WebhookDispatcher({
    store,
    node,
    logger: silent,
    concurrency: 8,
    leaseMs: LEASE,
    delivery: {
      allow: new AllowList(['127.0.0.1']),
      timeoutMs: 1000,
      retryMs: 10,
      maxRetryMs: 100,
      deadAfterMs: 60_000,
      window: 100,
      perSubscription: 4,
      pollMs: 20,
    },
  });
}

const receiver = new WebhookReceiver(SECRET);
after(() => receiver.close());

test('only the lease holder delivers, and another node takes over when it dies', async () => {
  await receiver.listen();
  const store = new MemoryWebhooks();
  await store.createSubscription({
    id: 'w1',
    url: receiver.url,
    events: [],
    secret: SECRET,
    state: 'active',
    cursor: 0,
    createdAt: 0,
  });
  const ev = (n: number) => ({
    type: 'message.created',
    channel: 'room:x',
    ts: n,
    data: { seq: n },
  });
  const a = dispatcher(store, 'a');
  const b = dispatcher(store, 'b');
  a.start();
  await a.refresh();
  b.start();
  await b.refresh();
  assert.deepEqual(a.delivering, ['w1']);
  assert.deepEqual(b.delivering, []);
  await store.appendEvents([1, 2, 3, 4, 5].map(ev));
  await receiver.until(() => receiver.unique().length === 5, 'the first five');

  // a dies: it stops, and its lease stays held until it expires.
  await a.close();
  assert.ok(await store.lease('w1', 'a', Date.now() + LEASE, Date.now()));
  await store.appendEvents([6, 7, 8].map(ev));
  await receiver.until(() => receiver.unique().length === 8, 'the rest, from b');
  assert.deepEqual(b.delivering, ['w1']);
  assert.deepEqual(
    receiver.unique().map((d) => d.data['seq']),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  // The cursor is saved after the acknowledgement reaches the deliverer.
  let cursor = 0;
  for (let i = 0; i < 200 && cursor !== 8; i++) {
    await new Promise((r) => setTimeout(r, 10));
    cursor = (await store.subscription('w1'))?.cursor ?? 0;
  }
  assert.equal(cursor, 8);
  await b.close();
});
