/**
 * The one Presence conformance suite (guarantees documented in src/presence/presence.ts). Every
 * backend's test file calls `presenceConformance` with a factory; cases a backend cannot pass are
 * declared in `gaps` and skipped with the reason shown (a single-node backend declares the
 * `cluster-*` cases).
 *
 * The handler is never assumed to run synchronously: cases wait (bounded) for the events they
 * expect, and "no event" checks end with a later change of the same user as a barrier.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import type { Presence } from '../../src/presence/presence.js';
import { Signal } from '../helpers/signal.js';

export interface PresenceFactory {
  /** A new, not yet started presence for node `nodeId`, sharing the backend with other nodes. */
  create(nodeId: string): Promise<Presence>;
  /** Runs after each case, once the suite has closed the case's instances. */
  cleanup?(): Promise<void>;
}

export interface PresenceConformanceOptions {
  /** Case ids (keys of PRESENCE_CASES) the backend is known not to pass; they are skipped. */
  gaps?: string[];
  /** Longest wait for an expected event or total, in ms. Default 10000. */
  timeoutMs?: number;
}

export const PRESENCE_CASES = {
  'set-count': 'reads back the count set by setLocal, and 0 for a user never set',
  replaces: "replaces the node's count for a user on each setLocal instead of adding to it",
  list: 'lists every user with a non-zero total and nobody else',
  'zero-removes': 'removes a user from list and count when setLocal sets 0',
  'on-change': 'calls the handler with the new total on each change, in order',
  'unchanged-silent': 'does not call the handler when setLocal leaves the total unchanged',
  'cluster-sum': 'sums the counts of every node into the totals that each node reads',
  'cluster-close': "removes a closed node's counts from the other nodes' totals",
} as const;

export type PresenceCase = keyof typeof PRESENCE_CASES;

type Event = [user: string, connections: number];

/** Records handler calls and lets a case wait, event-driven, for a condition. */
class Events {
  readonly list: Event[] = [];
  readonly #signal = new Signal();

  readonly handler = (user: string, connections: number): void => {
    this.list.push([user, connections]);
    this.#signal.notify();
  };

  of(user: string): number[] {
    return this.list.filter(([u]) => u === user).map(([, n]) => n);
  }

  /** Resolves once the latest event for `user` reports `connections`; rejects after timeoutMs. */
  until(user: string, connections: number, timeoutMs: number): Promise<void> {
    return this.#signal.until(
      () => this.of(user).at(-1) === connections,
      () => `${user}=${connections}; saw ${JSON.stringify(this.of(user))}`,
      timeoutMs,
    );
  }
}

interface TestNode {
  presence: Presence;
  events: Events;
}

export function presenceConformance(
  name: string,
  factory: PresenceFactory,
  options: PresenceConformanceOptions = {},
): void {
  const gaps = new Set(options.gaps ?? []);
  for (const gap of gaps) {
    if (!(gap in PRESENCE_CASES))
      throw new Error(`unknown presence conformance case in gaps: ${gap}`);
  }
  const timeoutMs = options.timeoutMs ?? 10_000;

  describe(`Presence conformance: ${name}`, () => {
    let opened: Presence[] = [];
    let token = '';

    afterEach(async () => {
      await Promise.allSettled(opened.map((p) => p.close()));
      opened = [];
      await factory.cleanup?.();
    });

    async function startNode(label: string): Promise<TestNode> {
      const presence = await factory.create(`${token}-${label}`);
      opened.push(presence);
      const events = new Events();
      await presence.start(events.handler);
      return { presence, events };
    }

    /** A handle unique to the running case, so backends shared between cases see no cross-talk. */
    const user = (n = 1): string => `u${n}-${token}`;

    function caseOf(id: PresenceCase, fn: () => Promise<void>): void {
      const skip = gaps.has(id) ? `declared gap: ${id}` : false;
      test(PRESENCE_CASES[id], { skip }, async () => {
        token = randomUUID().slice(0, 8);
        await fn();
      });
    }

    caseOf('set-count', async () => {
      const { presence, events } = await startNode('a');
      presence.setLocal(user(), 2);
      await events.until(user(), 2, timeoutMs);
      assert.equal(presence.count(user()), 2);
      assert.equal(presence.count(user(2)), 0);
    });

    caseOf('replaces', async () => {
      const { presence, events } = await startNode('a');
      presence.setLocal(user(), 3);
      presence.setLocal(user(), 1);
      await events.until(user(), 1, timeoutMs);
      assert.equal(presence.count(user()), 1);
    });

    caseOf('list', async () => {
      const { presence, events } = await startNode('a');
      presence.setLocal(user(1), 1);
      presence.setLocal(user(2), 4);
      await events.until(user(1), 1, timeoutMs);
      await events.until(user(2), 4, timeoutMs);
      const mine = [...presence.list()].filter(([u]) => u.endsWith(`-${token}`));
      assert.deepEqual(mine.sort(), [
        [user(1), 1],
        [user(2), 4],
      ]);
    });

    caseOf('zero-removes', async () => {
      const { presence, events } = await startNode('a');
      presence.setLocal(user(), 2);
      await events.until(user(), 2, timeoutMs);
      presence.setLocal(user(), 0);
      await events.until(user(), 0, timeoutMs);
      assert.equal(presence.count(user()), 0);
      assert.equal(presence.list().has(user()), false);
    });

    caseOf('on-change', async () => {
      const { presence, events } = await startNode('a');
      for (const n of [1, 3, 0]) {
        presence.setLocal(user(), n);
        await events.until(user(), n, timeoutMs);
      }
      assert.deepEqual(events.of(user()), [1, 3, 0]);
    });

    caseOf('unchanged-silent', async () => {
      const { presence, events } = await startNode('a');
      presence.setLocal(user(), 2);
      await events.until(user(), 2, timeoutMs);
      presence.setLocal(user(), 2);
      presence.setLocal(user(2), 0);
      presence.setLocal(user(), 5);
      await events.until(user(), 5, timeoutMs);
      assert.deepEqual(events.of(user()), [2, 5]);
      assert.deepEqual(events.of(user(2)), []);
    });

    caseOf('cluster-sum', async () => {
      const a = await startNode('a');
      const b = await startNode('b');
      a.presence.setLocal(user(), 2);
      b.presence.setLocal(user(), 3);
      await a.events.until(user(), 5, timeoutMs);
      await b.events.until(user(), 5, timeoutMs);
      assert.equal(a.presence.count(user()), 5);
      assert.equal(b.presence.list().get(user()), 5);
    });

    caseOf('cluster-close', async () => {
      const a = await startNode('a');
      const b = await startNode('b');
      a.presence.setLocal(user(), 2);
      b.presence.setLocal(user(), 3);
      await b.events.until(user(), 5, timeoutMs);
      await a.presence.close();
      await b.events.until(user(), 3, timeoutMs);
      assert.equal(b.presence.count(user()), 3);
    });
  });
}
