/**
 * A node cut off from the bus while the others keep theirs (a partition): its clients are closed
 * with 4005 after busLostClose, and after healing the other nodes get what it stored meanwhile.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemoryBus, MemoryHub } from '../../src/bus/memory.js';
import { CloseCode } from '../../src/protocol/close-codes.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { startNode, TestClient, tick, type Node } from './harness.js';

/** A memory bus that can be partitioned from its hub: nothing in, nothing out, not ready. */
class PartitionedBus extends MemoryBus {
  cut = false;
  partition(): void {
    this.cut = true;
    this.lost(new Error('partitioned'));
  }
  heal(): void {
    this.cut = false;
    this.restored();
  }
  protected override connected(): boolean {
    return !this.cut;
  }
  override receive(topic: string, payload: string): void {
    if (!this.cut) super.receive(topic, payload);
  }
}

const nodes: Node[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
});

describe('a node cut off from the bus', () => {
  it('closes its clients with 4005 after busLostClose, and the others get its messages after healing', async () => {
    const store: Store = new MemoryStore();
    await store.createChannel('room:general', 'room', 'system', Date.now());
    const hub = new MemoryHub();
    const bus = new PartitionedBus(hub, 'cut');
    const a = await startNode({ bus, busLostClose: 200 }, { store, hub });
    const b = await startNode({}, { store, hub });
    nodes.push(a, b);
    const x = TestClient.connect(a);
    await x.hello({ handle: 'xcut' });
    const y = TestClient.connect(b);
    await y.hello({ handle: 'yfar' });
    await tick(20);
    await x.call({ type: 'send', room: 'general', text: 'before', cid: 'c0' });
    await y.waitFor((f) => f.type === 'message' && f.cid === 'c0');

    bus.partition();
    for (let i = 1; i <= 3; i++)
      await x.call({ type: 'send', room: 'general', text: `cut ${i}`, cid: `c${i}` });
    assert.equal(await x.waitClosed(2000), CloseCode.NODE_ISOLATED);
    await tick(50);
    assert.equal(y.messages('room:general').length, 1, 'nothing crossed the partition');

    bus.heal();
    await y.waitFor(() => y.messages('room:general').length >= 4);
    await tick(100);
    assert.deepEqual(
      y.messages('room:general').map((m) => m.seq),
      [1, 2, 3, 4],
      'every message once, in order',
    );
  });

  it('keeps its clients when busLostClose is 0', async () => {
    const hub = new MemoryHub();
    const bus = new PartitionedBus(hub, 'cut0');
    const a = await startNode({ bus, busLostClose: 0 }, { hub });
    nodes.push(a);
    const x = TestClient.connect(a);
    await x.hello({ handle: 'xstay' });
    bus.partition();
    await tick(300);
    assert.equal(x.raw.closeCode, null);
    bus.heal();
  });
});
