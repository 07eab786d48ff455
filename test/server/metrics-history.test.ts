/**
 * The metrics history behind the admin console's charts: samples of the node's own prom-client
 * registry in a bounded ring, counters turned into per-second rates between samples.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics } from '../../src/server/metrics.js';
import { MetricsHistory } from '../../src/server/metrics-history.js';

function history(size: number) {
  const metrics = new Metrics();
  let now = 1_000_000;
  const h = new MetricsHistory(metrics.registry, { intervalMs: 10_000, size, now: () => now });
  return { metrics, h, advance: (ms: number) => (now += ms) };
}

test('counters become per-second rates between samples; the gauge is read as is', async () => {
  const { metrics, h, advance } = history(10);
  await h.sample();
  metrics.connections(3);
  for (let i = 0; i < 20; i++) metrics.messageStored(i % 2 ? 'room' : 'dm');
  for (let i = 0; i < 50; i++) metrics.frameIn('send');
  for (let i = 0; i < 10; i++) metrics.busIn();
  advance(10_000);
  await h.sample();
  const [first, second] = h.points();
  assert.deepEqual(
    { ...first, ts: 0 },
    { ts: 0, connections: 0, messagesPerSec: 0, framesPerSec: 0, busPerSec: 0 },
  );
  assert.deepEqual(second, {
    ts: 1_010_000,
    connections: 3,
    messagesPerSec: 2,
    framesPerSec: 5,
    busPerSec: 1,
  });
});

test('the ring keeps only the last `size` samples, oldest first', async () => {
  const { h, advance } = history(3);
  for (let i = 0; i < 5; i++) {
    await h.sample();
    advance(10_000);
  }
  assert.deepEqual(
    h.points().map((p) => p.ts),
    [1_020_000, 1_030_000, 1_040_000],
  );
});
