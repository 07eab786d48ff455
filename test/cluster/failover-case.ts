/**
 * The broker-failover case shared by the clustered-broker tests (Redis Cluster, NATS cluster):
 * a writer on node 0 sends without pause to some rooms with readers on the other nodes, while
 * `disrupt` kills part of the broker; afterwards every node's /readyz is 200 again and every
 * reader holds every message of every room exactly once and in seq order, whether it came live
 * or was repaired from the store after the bus's onReconnect.
 */
import assert from 'node:assert/strict';
import type { ServerHandle } from '../helpers/server.js';
import type { WsTestClient } from '../helpers/ws-client.js';

export interface FailoverCluster {
  nodes: ServerHandle[];
  connect(node: ServerHandle, extra: Record<string, unknown>): Promise<WsTestClient>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function losslessThroughBrokerFailure(
  k: FailoverCluster,
  rooms: string[],
  disrupt: () => Promise<void>,
): Promise<void> {
  const tag = Date.now().toString(36);
  const writer = await k.connect(k.nodes[0]!, { handle: `fw${tag}` });
  const readers = await Promise.all(
    k.nodes.slice(1).map((n, i) => k.connect(n, { handle: `fr${i}${tag}` })),
  );
  for (const room of rooms) {
    await writer.call({ type: 'create', room });
    for (const r of readers) await r.call({ type: 'join', room });
  }
  await sleep(300);
  const sent = new Map<string, number>(rooms.map((r) => [r, 0]));
  // Retries a send the way the SDK's outbox does: same cid until stored.
  const sendOne = async (room: string) => {
    const cid = `${room}-${sent.get(room)!}`;
    const until = Date.now() + 30_000;
    for (;;) {
      const r = await writer.request({ type: 'send', room, text: cid, cid });
      if (r.type === 'reply') break;
      assert.equal(r.retryable, true, `only retryable errors: ${String(r.code)}`);
      if (Date.now() > until) throw new Error(`send ${cid} kept failing`);
      await sleep(100);
    }
    sent.set(room, sent.get(room)! + 1);
  };
  let flooding = true;
  const flood = (async () => {
    while (flooding) {
      for (const room of rooms) await sendOne(room);
      await sleep(10);
    }
  })();
  try {
    await sleep(500);
    await disrupt();
    await sleep(500);
  } finally {
    flooding = false;
    await flood;
  }
  for (const node of k.nodes) {
    const until = Date.now() + 30_000;
    while ((await fetch(`${node.url}/readyz`)).status !== 200) {
      if (Date.now() > until) throw new Error(`${node.url}/readyz stayed down`);
      await sleep(100);
    }
  }
  for (const room of rooms) {
    const total = sent.get(room)!;
    assert.ok(total > 20, `the writer kept sending in ${room} (${total})`);
    for (const [i, reader] of readers.entries()) {
      await reader
        .waitFor(() => reader.messages(`room:${room}`).length >= total, 30_000)
        .catch(() => undefined);
      const seqs = reader.messages(`room:${room}`).map((m) => m.seq as number);
      assert.deepEqual(
        seqs,
        Array.from({ length: total }, (_, j) => j + 1),
        `reader ${i} in ${room}: every seq once, in order`,
      );
    }
  }
}
