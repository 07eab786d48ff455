import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bus } from '../../src/bus/bus.js';
import { MemoryBus, MemoryHub } from '../../src/bus/memory.js';
import { BusPresence } from '../../src/presence/bus.js';
import { presenceConformance } from './conformance.js';

let hub = new MemoryHub();
presenceConformance('BusPresence over MemoryBus', {
  create: async (nodeId) =>
    new BusPresence(new MemoryBus(hub, nodeId), { heartbeatMs: 100, ttlMs: 500, batchMs: 5 }),
  cleanup: async () => {
    hub = new MemoryHub();
  },
});

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Loses about half of the payloads it publishes, at random (seeded). */
class LossyBus extends MemoryBus {
  private seed = 12345;
  override async publish(topic: string, payload: string): Promise<void> {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    if (this.seed / 2147483648 < 0.5) return;
    return super.publish(topic, payload);
  }
}

describe('BusPresence', () => {
  for (const crashAfter of [1, 50, 99]) {
    it(`drops a crashed node’s users ttl after its last heartbeat, so within ttl of the crash (crash ${crashAfter} ms after a heartbeat)`, async (t) => {
      // A mocked clock, so the bound documented in docs/scaling.md is checked to the millisecond.
      t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
      const advance = async (ms: number) => {
        for (let i = 0; i < ms; i++) {
          t.mock.timers.tick(1);
          await new Promise((r) => setImmediate(r));
        }
      };
      const h = new MemoryHub();
      const aBus = new MemoryBus(h, 'a');
      const opts = { heartbeatMs: 100, ttlMs: 1000, batchMs: 5 };
      const a = new BusPresence(aBus, opts);
      const b = new BusPresence(new MemoryBus(h, 'b'), opts);
      const started = Date.now();
      await a.start(() => {});
      await b.start(() => {});
      a.setLocal('crashy', 2);
      // Heartbeats every 100 ms from the start; crash `crashAfter` ms after the third one.
      await advance(300 + crashAfter);
      assert.equal(b.count('crashy'), 2, 'b sees crashy');
      const lastHeartbeat = started + 300;
      await (aBus as Bus).close(); // a crash: the bus goes away without a goodbye
      let took = 0;
      while (b.count('crashy') > 0 && took < 3000) {
        await advance(1);
        took++;
      }
      assert.ok(took >= opts.ttlMs - opts.heartbeatMs, `not before ttl - heartbeat (${took} ms)`);
      assert.ok(took <= opts.ttlMs, `within ttl of the crash (${took} ms)`);
      const sinceHeartbeat = Date.now() - lastHeartbeat;
      assert.ok(
        sinceHeartbeat <= opts.ttlMs + 2,
        `ttl after the last heartbeat (${sinceHeartbeat} ms)`,
      );
      await b.close();
      await a.close();
    });
  }

  it('converges to the right totals over a bus that loses half of the payloads', async () => {
    const h = new MemoryHub();
    const a = new BusPresence(new LossyBus(h, 'la'), { heartbeatMs: 30, ttlMs: 5000, batchMs: 1 });
    const b = new BusPresence(new LossyBus(h, 'lb'), { heartbeatMs: 30, ttlMs: 5000, batchMs: 1 });
    await a.start(() => {});
    await b.start(() => {});
    for (let i = 0; i < 50; i++) {
      a.setLocal(`u${i % 7}`, i % 3);
      b.setLocal(`u${i % 5}`, (i + 1) % 4);
      await new Promise((r) => setTimeout(r, 2));
    }
    const expected = (p: BusPresence, q: BusPresence) => {
      const want = new Map<string, number>();
      for (const src of [p, q]) {
        for (const [u, n] of (src as unknown as { local: Map<string, number> }).local)
          want.set(u, (want.get(u) ?? 0) + n);
      }
      return want;
    };
    const want = expected(a, b);
    await until(
      () =>
        JSON.stringify([...a.list()].sort()) === JSON.stringify([...want].sort()) &&
        JSON.stringify([...b.list()].sort()) === JSON.stringify([...want].sort()),
      'both nodes agree on the totals',
    );
    await a.close();
    await b.close();
  });
});
