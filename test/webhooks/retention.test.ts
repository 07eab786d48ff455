/**
 * Retention of the webhook event log (--webhook-retention-ms): a node prunes old events on its
 * own, in batches; a replay (or a create) from a pruned position answers 409
 * SB_ERR_WEBHOOK_POSITION_PRUNED naming the oldest position still available.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { silentLogger as logger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/memory.js';
import { EventLogRetention } from '../../src/webhooks/retention.js';
import { WsTestClient } from '../helpers/ws-client.js';
import { startHookNode } from './setup.js';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const event = (ts: number) => ({ type: 'message.created', channel: 'room:x', ts, data: {} });

describe('webhook event log retention', () => {
  test('prunes events older than the retention in bounded batches, and nothing with 0', async () => {
    const store = new MemoryStore();
    const now = 1_000_000;
    await store.webhooks.appendEvents([1, 2, 3, 4, 5, 6, 7].map((n) => event(now - 10_000 + n)));
    await store.webhooks.appendEvents([event(now)]);
    const off = new EventLogRetention({ store: store.webhooks, logger, retentionMs: 0 });
    assert.equal(await off.prune(), 0);
    const calls: number[] = [];
    const counted = {
      pruneEvents: async (before: number, limit: number) => {
        const n = await store.webhooks.pruneEvents(before, limit);
        calls.push(n);
        return n;
      },
    };
    const retention = new EventLogRetention({
      store: counted,
      logger,
      retentionMs: 5000,
      batch: 3,
      now: () => now,
    });
    assert.equal(await retention.prune(), 7);
    assert.deepEqual(calls, [3, 3, 1], 'batches of at most 3, until one comes back short');
    assert.equal(await store.webhooks.prunedThrough(), 7);
    assert.deepEqual(
      (await store.webhooks.readEvents(0, 10)).map((e) => e.pos),
      [8],
    );
  });

  test('a node prunes on its own; a replay or create before the oldest kept position is 409', async () => {
    const node = await startHookNode({ webhookRetentionMs: 200 });
    cleanup.push(() => node.server.stop());
    const ann = await WsTestClient.connect(node.server.wsUrl);
    await ann.hello({ handle: 'ann' });
    for (let i = 0; i < 3; i++)
      await ann.call({ type: 'send', room: 'general', text: `m${i}`, cid: `c${i}` });
    ann.close();
    // Waits until retention pruned all but the newest event (which the log always keeps) and it
    // stayed that way for a while (ann's offline event may come after her messages were pruned):
    // otherwise the oldest position the 409 names could itself be pruned before the replay from
    // it below.
    let log = { head: 0, oldest: 1 };
    let quietSince = Date.now();
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      const list = await node.http.call('GET', '/webhooks', undefined, node.admin);
      const now = list.body as unknown as { head: number; oldest: number };
      if (now.head !== log.head || now.oldest !== log.oldest) quietSince = Date.now();
      log = now;
      if (log.oldest === log.head && log.head >= 3 && Date.now() - quietSince >= 600) break;
    }
    const { oldest } = log;
    assert.ok(
      oldest === log.head && oldest > 3,
      `all but the newest pruned: head ${log.head}, oldest kept ${oldest}`,
    );

    const made = await node.http.post('/webhooks', { url: 'http://127.0.0.1:9/x' }, node.admin);
    assert.equal(made.status, 201);
    const id = (made.body as unknown as { id: string }).id;
    const replay = await node.http.post(`/webhooks/${id}/replay`, { from: 1 }, node.admin);
    assert.equal(replay.status, 409);
    assert.equal(replay.body.code, 'SB_ERR_WEBHOOK_POSITION_PRUNED');
    const stated = Number(/oldest position still available is (\d+)/.exec(replay.body.detail)?.[1]);
    assert.ok(stated >= oldest, `the detail names the oldest position: ${replay.body.detail}`);
    const fromOldest = await node.http.post(`/webhooks/${id}/replay`, { from: stated }, node.admin);
    assert.equal(fromOldest.status, 200);

    const early = await node.http.post(
      '/webhooks',
      { url: 'http://127.0.0.1:9/y', from: 1 },
      node.admin,
    );
    assert.equal(early.status, 409);
    assert.equal(early.body.code, 'SB_ERR_WEBHOOK_POSITION_PRUNED');
    const all = await node.http.post(
      '/webhooks',
      { url: 'http://127.0.0.1:9/z', from: 0 },
      node.admin,
    );
    assert.equal(all.status, 201, 'from 0: everything still kept');
  });
});
