/**
 * The replay/live seam across nodes, flooded, for the cluster suite (run over every bus):
 * writers send without pause on some nodes while clients arrive, resume and move between nodes
 * on another. Every frame is checked against the protocol's ordering promises
 * (test/helpers/wire-check.ts), counted on the wire.
 */
import assert from 'node:assert/strict';
import type { ServerHandle } from '../helpers/server.js';
import { flood, sleep } from '../helpers/flood.js';
import { WireCheck, wireViolations } from '../helpers/wire-check.js';
import type { WsTestClient } from '../helpers/ws-client.js';

export interface SeamCluster {
  nodes: ServerHandle[];
  connect(
    node: ServerHandle,
    extra: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<WsTestClient>;
  handle(prefix: string): string;
  restart(i: number, how: 'kill' | 'stop'): Promise<void>;
}

async function headOf(c: WsTestClient, channel: string): Promise<number> {
  const h = await c.call<{ lastSeq: number }>({ type: 'history', channel, limit: 1 });
  return h.lastSeq;
}

/**
 * Writers on two nodes; 50 newcomers on the third, half `join` + `history`, half `hello` with
 * `resume`, arriving one by one through the flood.
 */
export async function newcomersDuringFlood(k: SeamCluster): Promise<void> {
  const [n0, n1, n2] = k.nodes as [ServerHandle, ServerHandle, ServerHandle];
  const room = `seam${Date.now().toString(36)}`;
  const channel = `room:${room}`;
  const w0 = await k.connect(n0, { handle: k.handle('sw') });
  const w1 = await k.connect(n1, { handle: k.handle('sw') });
  await w0.call({ type: 'create', room });
  await w1.call({ type: 'join', room });
  // Returning users: members of the room who went away, each at another position.
  const returning = await Promise.all(
    Array.from({ length: 25 }, async (_, i) => {
      const c = await k.connect(n2, { handle: k.handle('sback') });
      await c.call({ type: 'join', room });
      c.close();
      return { token: c.token, after: i };
    }),
  );
  for (let i = 0; i < 25; i++)
    await w0.call({ type: 'send', room, text: `before ${i}`, cid: `before${i}` });
  await sleep(300);
  const floods = [flood(w0, room, 1500, 64), flood(w1, room, 1500, 64)];
  const arrivals: Promise<{ name: string; c: WsTestClient }>[] = [];
  try {
    for (let i = 0; i < 50; i++) {
      await sleep(20);
      arrivals.push(
        (async () => {
          if (i % 2 === 0) {
            const c = await k.connect(n2, { handle: k.handle('snew') });
            await c.call({ type: 'join', room });
            await c.call({ type: 'history', channel, limit: 20 });
            return { name: `joiner ${i}`, c };
          }
          const r = returning[i >> 1]!;
          const c = await k.connect(n2, { token: r.token, resume: [{ channel, after: r.after }] });
          return { name: `resumer ${i}`, c };
        })(),
      );
    }
  } finally {
    for (const f of floods) f.stop();
  }
  const clients = await Promise.all(arrivals);
  await Promise.all(floods.map((f) => f.done));
  assert.deepEqual(await wireViolations(clients, channel, await headOf(w0, channel)), []);
}

/**
 * A writer floods while its readers' nodes are killed and stopped in turn: every reader
 * reconnects to a surviving node and resumes from the last seq it saw. No connection may get a
 * seq twice or out of order, and across its connections a reader gets every seq exactly once.
 */
export async function resumeThroughNodeRestarts(k: SeamCluster): Promise<void> {
  const [n0] = k.nodes as [ServerHandle];
  const room = `roll${Date.now().toString(36)}`;
  const channel = `room:${room}`;
  const writer = await k.connect(n0, { handle: k.handle('rw') });
  await writer.call({ type: 'create', room });
  interface Reader {
    name: string;
    token: string;
    node: number;
    conns: WsTestClient[];
  }
  const readers: Reader[] = [];
  for (let i = 0; i < 30; i++) {
    const node = 1 + (i % (k.nodes.length - 1));
    const c = await k.connect(k.nodes[node]!, { handle: k.handle('rr') });
    await c.call({ type: 'join', room });
    readers.push({ name: `reader ${i}`, token: c.token, node, conns: [c] });
  }
  await sleep(300);
  const f = flood(writer, room, 100_000, 16, 1);
  const last = (r: Reader): number => {
    let seq = 0;
    for (const c of r.conns)
      for (const m of c.messages(channel)) seq = Math.max(seq, m.seq as number);
    return seq;
  };
  const move = async (r: Reader, to: number) => {
    const c = await k.connect(
      k.nodes[to]!,
      { token: r.token, resume: [{ channel, after: last(r) }] },
      20_000,
    );
    r.conns.push(c);
    r.node = to;
  };
  try {
    for (const [victim, how] of [
      [k.nodes.length - 1, 'kill'],
      [1, 'stop'],
    ] as const) {
      await sleep(400);
      const moving = readers.filter((r) => r.node === victim);
      await k.restart(victim, how);
      await Promise.all(moving.map((r) => move(r, 0)));
    }
    await sleep(400);
  } finally {
    f.stop();
  }
  const sent = await f.done;
  assert.ok(sent > 100, `the writer kept sending (${sent})`);
  const head = await headOf(writer, channel);
  const violations: string[] = [];
  for (const r of readers) {
    const now = r.conns.at(-1)!;
    await now
      .waitFor((m) => m.type === 'message' && m.channel === channel && m.seq === head, 20_000)
      .catch(() => undefined);
    const seen = new Map<number, number>();
    for (const [i, c] of r.conns.entries()) {
      violations.push(...new WireCheck(`${r.name} conn ${i}`).feed(c.all(), c.sent).violations);
      for (const m of c.messages(channel))
        seen.set(m.seq as number, (seen.get(m.seq as number) ?? 0) + 1);
    }
    const twice = [...seen].filter(([, n]) => n > 1).map(([s]) => s);
    if (twice.length > 0)
      violations.push(`${r.name}: seqs twice across connections: ${twice.slice(0, 5).join()}`);
    const missing: number[] = [];
    for (let s = 1; s <= head; s++) if (!seen.has(s)) missing.push(s);
    // Before the reader joined there was nothing: it must hold every seq of the room.
    if (missing.length > 0)
      violations.push(`${r.name}: missing ${missing.length}, first ${missing.slice(0, 5).join()}`);
  }
  assert.deepEqual(violations.slice(0, 30), []);
}
