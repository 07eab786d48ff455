/**
 * The one Bus conformance suite (guarantees documented in src/bus/bus.ts). Every backend's test
 * file calls `busConformance` with a factory; a backend that cannot honour a case declares it in
 * `gaps` and the case is skipped with the reason shown.
 *
 * Each case starts 2-3 nodes with unique ids and topics, so backends that share a broker between
 * cases see no cross-talk. Delivery is never assumed synchronous: positive checks wait (bounded)
 * for the payloads to arrive; negative checks ("receives nothing") first wait for a barrier
 * payload that proves later traffic went through, then allow `quietMs` for stray deliveries.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import type { Bus } from '../../src/bus/bus.js';
import { Signal } from '../helpers/signal.js';

export interface BusFactory {
  /** A new, not yet started bus for the node `nodeId`, connected to the shared backend. */
  create(nodeId: string): Promise<Bus>;
  /** Runs after each case, once the suite has closed the case's buses. */
  cleanup?(): Promise<void>;
  /**
   * Kill the backend (SIGKILL) and start it again on the same address. Without it the
   * 'backend-restart' case is skipped as a gap.
   */
  restartBackend?(): Promise<void>;
  /** Kill the backend (SIGKILL); `restartBackend` brings it back. Enables 'down-publish'. */
  killBackend?(): Promise<void>;
  /** A bus pointed at an address where nothing listens. Enables 'start-unreachable'. */
  unreachable?(nodeId: string): Promise<Bus>;
}

export interface BusConformanceOptions {
  /** Case ids (keys of BUS_CASES) the backend is known not to pass; they are skipped. */
  gaps?: string[];
  /** Longest wait for an expected delivery, in ms. Default 10000. */
  timeoutMs?: number;
  /** Longest time start may take to fail against an unreachable backend, in ms. Default 6000. */
  unreachableWithinMs?: number;
  /** How long a node must stay silent after a barrier to pass a "receives nothing" check. Default 100. */
  quietMs?: number;
}

export const BUS_CASES = {
  delivers: 'delivers a payload published on one node to another node subscribed to the topic',
  'interest-routing': 'delivers nothing to a node that is not subscribed to the topic',
  'no-echo': 'never delivers a payload back to the node that published it',
  'async-delivery': 'never calls a receiving handler synchronously inside publish',
  order: 'delivers 1000 payloads from each of two publishers in publish order',
  unsubscribe: 'stops delivering a topic to a node once its unsubscribe resolves',
  'subscribe-set': 'treats a repeated subscribe as one subscription that one unsubscribe ends',
  'payload-bytes': 'delivers payloads with unicode, newlines and 64 KiB byte-exact',
  'many-topics': 'routes 100 topics independently to the nodes subscribed to each',
  'exact-topics': 'matches topic names exactly, not as prefixes or patterns',
  'ready-state': 'reports ready() only between start and close',
  'closed-rejects':
    'rejects publish and subscribe with SB_ERR_BACKEND_UNAVAILABLE after close, and resolves unsubscribe and a second close',
  'closed-silent':
    'never calls the handler once close is called, even for payloads already in flight',
  'start-unreachable':
    'rejects start with SB_ERR_BACKEND_UNAVAILABLE within seconds when the backend is unreachable',
  'down-publish':
    'rejects publish within a second with SB_ERR_BACKEND_UNAVAILABLE, the driver error as cause, while the backend is down',
  'backend-restart':
    'reconnects by itself after the backend is killed and restarted, calls onReconnect and restores subscriptions',
} as const;

export type BusCase = keyof typeof BUS_CASES;

interface Received {
  topic: string;
  payload: string;
}

/** Collects what a node's handler receives and lets a test wait, event-driven, for a condition. */
class Inbox {
  readonly items: Received[] = [];
  readonly #signal = new Signal();
  reconnects = 0;

  readonly onReconnect = (): void => {
    this.reconnects++;
    this.#signal.notify();
  };

  readonly handler = (topic: string, payload: string): void => {
    this.items.push({ topic, payload });
    this.#signal.notify();
  };

  payloads(topic: string): string[] {
    return this.items.filter((r) => r.topic === topic).map((r) => r.payload);
  }

  /** Resolves once `done()` holds; rejects after `timeoutMs` naming what was awaited. */
  until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    return this.#signal.until(done, () => `${what}; ${this.items.length} received`, timeoutMs);
  }
}

interface TestNode {
  bus: Bus;
  inbox: Inbox;
  /** Waits until `payload` has arrived on `topic` at least once. */
  receives(topic: string, payload: string): Promise<void>;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** 64 KiB (65,536 UTF-8 bytes) mixing 1- to 4-byte characters and newlines. */
function largePayload(): string {
  const unit = 'aé你🙂\n';
  const unitBytes = Buffer.byteLength(unit);
  let text = '';
  while (Buffer.byteLength(text) + unitBytes <= 65_536) text += unit;
  text += 'x'.repeat(65_536 - Buffer.byteLength(text));
  assert.equal(Buffer.byteLength(text), 65_536);
  return text;
}

export function busConformance(
  name: string,
  factory: BusFactory,
  options: BusConformanceOptions = {},
): void {
  const gaps = new Set(options.gaps ?? []);
  for (const gap of gaps) {
    if (!(gap in BUS_CASES)) throw new Error(`unknown bus conformance case in gaps: ${gap}`);
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const quietMs = options.quietMs ?? 100;

  describe(`Bus conformance: ${name}`, () => {
    let opened: Bus[] = [];
    let token = '';

    afterEach(async () => {
      await Promise.allSettled(opened.map((bus) => bus.close()));
      opened = [];
      await factory.cleanup?.();
    });

    async function create(label: string): Promise<Bus> {
      const bus = await factory.create(`${token}-${label}`);
      opened.push(bus);
      return bus;
    }

    async function startNode(label: string): Promise<TestNode> {
      const bus = await create(label);
      const inbox = new Inbox();
      await bus.start(inbox.handler, inbox.onReconnect);
      return {
        bus,
        inbox,
        receives: (topic, payload) =>
          inbox.until(
            () => inbox.items.some((r) => r.topic === topic && r.payload === payload),
            `${JSON.stringify(payload.slice(0, 40))} on ${topic} at node ${label}`,
            timeoutMs,
          ),
      };
    }

    function startNodes(count: 1): Promise<[TestNode]>;
    function startNodes(count: 2): Promise<[TestNode, TestNode]>;
    function startNodes(count: 3): Promise<[TestNode, TestNode, TestNode]>;
    function startNodes(count: number): Promise<TestNode[]> {
      return Promise.all(['a', 'b', 'c'].slice(0, count).map((label) => startNode(label)));
    }

    /** Realistic topic names (see docs/architecture.md), unique to the running case. */
    const topic = (suffix = ''): string => `ch.room:t${token}${suffix}`;

    function caseOf(id: BusCase, fn: () => Promise<void>): void {
      const skip = gaps.has(id)
        ? `declared gap: ${id}`
        : id === 'backend-restart' && !factory.restartBackend
          ? 'the factory cannot restart this backend'
          : id === 'down-publish' && !(factory.killBackend && factory.restartBackend)
            ? 'the factory cannot kill this backend'
            : id === 'start-unreachable' && !factory.unreachable
              ? 'the factory has no unreachable address'
              : false;
      test(BUS_CASES[id], { skip }, async () => {
        token = randomUUID().slice(0, 8);
        await fn();
      });
    }

    caseOf('delivers', async () => {
      const [a, b] = await startNodes(2);
      await b.bus.subscribe(topic());
      await a.bus.publish(topic(), 'hello');
      await b.receives(topic(), 'hello');
      assert.deepEqual(b.inbox.items, [{ topic: topic(), payload: 'hello' }]);
    });

    caseOf('interest-routing', async () => {
      const [a, b, c] = await startNodes(3);
      await b.bus.subscribe(topic('-barrier'));
      await c.bus.subscribe(topic());
      await a.bus.publish(topic(), 'not for b');
      await a.bus.publish(topic('-barrier'), 'barrier');
      await c.receives(topic(), 'not for b');
      await b.receives(topic('-barrier'), 'barrier');
      await delay(quietMs);
      assert.deepEqual(b.inbox.payloads(topic()), []);
    });

    caseOf('no-echo', async () => {
      const [a, b] = await startNodes(2);
      await a.bus.subscribe(topic());
      await b.bus.subscribe(topic());
      await a.bus.publish(topic(), 'from a');
      await b.receives(topic(), 'from a');
      await b.bus.publish(topic(), 'from b');
      await a.receives(topic(), 'from b');
      await delay(quietMs);
      assert.deepEqual(a.inbox.payloads(topic()), ['from b']);
      assert.deepEqual(b.inbox.payloads(topic()), ['from a']);
    });

    caseOf('async-delivery', async () => {
      const [a, b] = await startNodes(2);
      await b.bus.subscribe(topic());
      const published = a.bus.publish(topic(), 'later');
      assert.equal(b.inbox.items.length, 0);
      await published;
      await b.receives(topic(), 'later');
    });

    caseOf('order', async () => {
      const [a, b, c] = await startNodes(3);
      await b.bus.subscribe(topic());
      const count = 1000;
      const sent: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        sent.push(a.bus.publish(topic(), `a:${i}`), c.bus.publish(topic(), `c:${i}`));
      }
      await Promise.all(sent);
      await b.inbox.until(
        () => b.inbox.items.length >= 2 * count,
        `${2 * count} payloads`,
        timeoutMs,
      );
      const expected = Array.from({ length: count }, (_, i) => i);
      for (const from of ['a', 'c']) {
        const seen = b.inbox
          .payloads(topic())
          .filter((p) => p.startsWith(`${from}:`))
          .map((p) => Number(p.slice(2)));
        assert.deepEqual(seen, expected, `payloads from node ${from} out of order`);
      }
    });

    caseOf('unsubscribe', async () => {
      const [a, b, c] = await startNodes(3);
      await b.bus.subscribe(topic());
      await b.bus.subscribe(topic('-barrier'));
      await c.bus.subscribe(topic());
      await a.bus.publish(topic(), 'one');
      await b.receives(topic(), 'one');
      await b.bus.unsubscribe(topic());
      await a.bus.publish(topic(), 'two');
      await a.bus.publish(topic('-barrier'), 'barrier');
      await c.receives(topic(), 'two');
      await b.receives(topic('-barrier'), 'barrier');
      await delay(quietMs);
      assert.deepEqual(b.inbox.payloads(topic()), ['one']);
    });

    caseOf('subscribe-set', async () => {
      const [a, b, c] = await startNodes(3);
      await b.bus.subscribe(topic());
      await b.bus.subscribe(topic());
      await b.bus.subscribe(topic('-barrier'));
      await c.bus.subscribe(topic());
      await a.bus.publish(topic(), 'one');
      await a.bus.publish(topic('-barrier'), 'barrier 1');
      await b.receives(topic(), 'one');
      await b.receives(topic('-barrier'), 'barrier 1');
      await delay(quietMs);
      assert.deepEqual(b.inbox.payloads(topic()), ['one'], 'a repeated subscribe delivered twice');

      await b.bus.unsubscribe(topic());
      await a.bus.publish(topic(), 'two');
      await a.bus.publish(topic('-barrier'), 'barrier 2');
      await c.receives(topic(), 'two');
      await b.receives(topic('-barrier'), 'barrier 2');
      await delay(quietMs);
      assert.deepEqual(b.inbox.payloads(topic()), ['one'], 'one unsubscribe did not end it');
    });

    caseOf('payload-bytes', async () => {
      const [a, b] = await startNodes(2);
      await b.bus.subscribe(topic());
      const payloads = [
        'héllo wörld — 你好 — 🙂👍🏽 — e\u0301 — שלום — \u2028\u2029',
        'line 1\nline 2\r\nline 3\n\n',
        JSON.stringify({ k: 'msg', text: 'a "quoted" \\ back\nslash 🙂', n: 1 }),
        ' ',
        largePayload(),
      ];
      for (const p of payloads) await a.bus.publish(topic(), p);
      await b.inbox.until(() => b.inbox.items.length >= payloads.length, 'all payloads', timeoutMs);
      const got = b.inbox.payloads(topic());
      assert.equal(got.length, payloads.length);
      payloads.forEach((p, i) => {
        assert.ok(Buffer.from(got[i]!).equals(Buffer.from(p)), `payload ${i} changed in transit`);
      });
    });

    caseOf('many-topics', async () => {
      const [a, b, c] = await startNodes(3);
      const topics = Array.from({ length: 100 }, (_, i) => topic(`-${i}`));
      const even = topics.filter((_, i) => i % 2 === 0);
      const odd = topics.filter((_, i) => i % 2 === 1);
      await Promise.all([
        ...even.map((t) => b.bus.subscribe(t)),
        ...odd.map((t) => c.bus.subscribe(t)),
      ]);
      await Promise.all(topics.map((t) => a.bus.publish(t, `on ${t}`)));
      await b.inbox.until(() => b.inbox.items.length >= even.length, 'even topics', timeoutMs);
      await c.inbox.until(() => c.inbox.items.length >= odd.length, 'odd topics', timeoutMs);
      await delay(quietMs);
      const byTopic = (n: TestNode): string[] =>
        n.inbox.items.map((r) => `${r.topic}|${r.payload}`).sort();
      assert.deepEqual(byTopic(b), even.map((t) => `${t}|on ${t}`).sort());
      assert.deepEqual(byTopic(c), odd.map((t) => `${t}|on ${t}`).sort());
    });

    caseOf('exact-topics', async () => {
      const [a, b, c] = await startNodes(3);
      const exact = `u.u${token}`;
      const near = [`${exact}.x`, `${exact}x`, exact.slice(0, -1), exact.toUpperCase()];
      await b.bus.subscribe(exact);
      await Promise.all(near.map((t) => c.bus.subscribe(t)));
      for (const t of near) await a.bus.publish(t, `near ${t}`);
      await a.bus.publish(exact, 'exact');
      await Promise.all(near.map((t) => c.receives(t, `near ${t}`)));
      await b.receives(exact, 'exact');
      await delay(quietMs);
      assert.deepEqual(b.inbox.items, [{ topic: exact, payload: 'exact' }]);
    });

    caseOf('ready-state', async () => {
      const bus = await create('a');
      assert.equal(bus.ready(), false, 'ready before start');
      await bus.start(() => {});
      assert.equal(bus.ready(), true, 'not ready after start');
      await bus.close();
      assert.equal(bus.ready(), false, 'ready after close');
    });

    caseOf('closed-rejects', async () => {
      const [a] = await startNodes(1);
      await a.bus.subscribe(topic());
      await a.bus.close();
      const unavailable = { code: 'SB_ERR_BACKEND_UNAVAILABLE' };
      await assert.rejects(a.bus.publish(topic(), 'late'), unavailable);
      await assert.rejects(a.bus.subscribe(topic('-2')), unavailable);
      await a.bus.unsubscribe(topic());
      await a.bus.close();
    });

    caseOf('backend-restart', async () => {
      const [a, b] = await startNodes(2);
      await b.bus.subscribe(topic());
      await a.bus.publish(topic(), 'before');
      await b.receives(topic(), 'before');
      await factory.restartBackend!();
      const reconnectWait = Math.max(timeoutMs, 30_000);
      await a.inbox.until(() => a.inbox.reconnects > 0, 'onReconnect at a', reconnectWait);
      await b.inbox.until(() => b.inbox.reconnects > 0, 'onReconnect at b', reconnectWait);
      assert.equal(a.bus.ready(), true);
      // The subscription made before the restart must work again without a new subscribe.
      await a.bus.publish(topic(), 'after');
      await b.receives(topic(), 'after');
    });

    caseOf('start-unreachable', async () => {
      const bus = await factory.unreachable!(`${token}-down`);
      const began = Date.now();
      await assert.rejects(
        bus.start(() => {}),
        { code: 'SB_ERR_BACKEND_UNAVAILABLE' },
      );
      assert.ok(
        Date.now() - began < (options.unreachableWithinMs ?? 6_000),
        'start took too long to fail',
      );
      assert.equal(bus.ready(), false);
      await bus.close();
    });

    caseOf('down-publish', async () => {
      const [a] = await startNodes(1);
      try {
        await factory.killBackend!();
        const until = Date.now() + 5_000;
        while (a.bus.ready() && Date.now() < until) await delay(20);
        assert.equal(a.bus.ready(), false, 'still ready after the backend died');
        const began = Date.now();
        const err = await a.bus.publish(topic(), 'lost').then(
          () => assert.fail('publish resolved while the backend was down'),
          (e: unknown) => e as { code?: string; cause?: unknown },
        );
        assert.equal(err.code, 'SB_ERR_BACKEND_UNAVAILABLE');
        assert.ok(err.cause instanceof Error, 'no driver error as cause');
        assert.ok(Date.now() - began < 1_000, 'publish took too long to reject');
      } finally {
        await factory.restartBackend!();
      }
    });

    caseOf('closed-silent', async () => {
      const [a, b, c] = await startNodes(3);
      await b.bus.subscribe(topic());
      await c.bus.subscribe(topic());
      const sent: Promise<void>[] = [];
      for (let i = 0; i < 100; i++) sent.push(a.bus.publish(topic(), `in flight ${i}`));
      const atClose = b.inbox.items.length;
      await b.bus.close();
      await Promise.all(sent);
      await a.bus.publish(topic(), 'after close');
      await c.receives(topic(), 'after close');
      await delay(quietMs);
      assert.equal(b.inbox.items.length, atClose);
    });
  });
}
