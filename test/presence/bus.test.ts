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
  it('drops a crashed node’s users within the ttl', async () => {
    const h = new MemoryHub();
    const aBus = new MemoryBus(h, 'a');
    const a = new BusPresence(aBus, { heartbeatMs: 50, ttlMs: 300, batchMs: 5 });
    const b = new BusPresence(new MemoryBus(h, 'b'), { heartbeatMs: 50, ttlMs: 300, batchMs: 5 });
    await a.start(() => {});
    await b.start(() => {});
    a.setLocal('crashy', 2);
    await until(() => b.count('crashy') === 2, 'b sees crashy');
    // A crash: the bus goes away without a goodbye.
    await (aBus as Bus).close();
    const t0 = Date.now();
    await until(() => b.count('crashy') === 0, 'crashy expires', 2000);
    assert.ok(Date.now() - t0 >= 150, 'not before the ttl');
    await b.close();
    await a.close();
  });

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
