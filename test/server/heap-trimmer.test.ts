/**
 * The heap trimmer: one full collection when the heap grew and the event loop went idle, none
 * while the loop is busy, while clients are being served however lightly, or when the heap has
 * not grown since the last one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeapTrimmer, type HeapTrimmerOptions } from '../../src/server/heap-trimmer.js';

const MB = 2 ** 20;

/** A trimmer over a pretend heap of 100 MB that one collection takes to 110 MB. */
function trimmer(
  options: Pick<HeapTrimmerOptions, 'intervalMs' | 'idleUtilization' | 'activity'> = {},
) {
  let heap = 100 * MB;
  let collections = 0;
  const t = new HeapTrimmer({
    growthBytes: 16 * MB,
    idleUtilization: 0.2,
    heapSize: () => heap,
    collect: async () => {
      collections++;
      heap = 110 * MB;
    },
    ...options,
  });
  return {
    t,
    grow: (mb: number) => (heap += mb * MB),
    collections: () => collections,
  };
}

test('collects once the heap grew by growthBytes and the loop went idle', async () => {
  const { t, grow, collections } = trimmer();
  grow(80);
  assert.equal(await t.check(0.95), null, 'not during the burst');
  const trim = await t.check(0.02);
  assert.deepEqual(trim && { before: trim.beforeBytes, after: trim.afterBytes }, {
    before: 180 * MB,
    after: 110 * MB,
  });
  assert.equal(collections(), 1);
});

test('does not collect again until the heap grew by growthBytes past its size after the last collection', async () => {
  const { t, grow, collections } = trimmer();
  grow(80);
  await t.check(0);
  grow(15);
  assert.equal(await t.check(0), null);
  grow(1);
  assert.notEqual(await t.check(0), null);
  assert.equal(collections(), 2);
});

test('does not collect in an interval in which a client was served, however light the load', async () => {
  const { t, grow, collections } = trimmer();
  grow(80);
  assert.equal(await t.check(0.05, true), null, 'a light load is not paused');
  assert.equal(collections(), 0);
  assert.notEqual(await t.check(0.05, false), null, 'collected once nobody was served');
});

test('its timer reads the activity count: no collection while it grows, one once it stops', async () => {
  let serving = true;
  let served = 0;
  const { t, grow, collections } = trimmer({
    intervalMs: 10,
    // Every interval counts as idle by utilisation: only the activity count holds it back.
    idleUtilization: 2,
    // Grows at every read while serving, as a node's frames and deliveries do between ticks.
    activity: () => (serving ? ++served : served),
  });
  grow(80);
  const errors: unknown[] = [];
  t.start(
    () => {},
    (err) => errors.push(err),
  );
  try {
    await sleep(150);
    assert.equal(collections(), 0, 'not while clients are served');
    serving = false;
    for (let i = 0; i < 200 && collections() === 0; i++) await sleep(10);
    assert.equal(collections(), 1, 'once they are not');
    assert.deepEqual(errors, []);
  } finally {
    t.stop();
  }
});

test('growth below growthBytes is never collected, idle or not', async () => {
  const { t, grow, collections } = trimmer();
  grow(15);
  assert.equal(await t.check(0), null);
  assert.equal(collections(), 0);
});

test('the default collection frees unreachable memory', async () => {
  const t = new HeapTrimmer({ growthBytes: 0 });
  const ref = new WeakRef(Array.from({ length: 200_000 }, (_, i) => ({ i })));
  // A WeakRef keeps its target alive until the job that made it ends.
  await new Promise((r) => setImmediate(r));
  const trim = await t.check(0);
  assert.ok(trim && trim.ms >= 0);
  assert.equal(ref.deref(), undefined);
});
