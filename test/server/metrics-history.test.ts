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
  metrics.delivered(30);
  metrics.delivered(70);
  advance(10_000);
  await h.sample();
  const [first, second] = h.points();
  assert.deepEqual(
    { ...first, ts: 0 },
    {
      ts: 0,
      connections: 0,
      messagesPerSec: 0,
      framesPerSec: 0,
      busPerSec: 0,
      deliveriesPerSec: 0,
      latencyP50Ms: 0,
      latencyP99Ms: 0,
      commitP99Ms: 0,
    },
  );
  assert.deepEqual(second, {
    ts: 1_010_000,
    connections: 3,
    messagesPerSec: 2,
    framesPerSec: 5,
    busPerSec: 1,
    deliveriesPerSec: 10,
    latencyP50Ms: 0,
    latencyP99Ms: 0,
    commitP99Ms: 0,
  });
});

test('the SQLite commit p99 is of the commits of the interval only', async () => {
  const { metrics, h, advance } = history(10);
  await h.sample();
  // 99 commits in (1, 2.5] ms and one in (250, 500] ms: rank 99 is the last fast one.
  for (let i = 0; i < 99; i++) metrics.sqliteCommit(0.002);
  metrics.sqliteCommit(0.3);
  advance(10_000);
  await h.sample();
  // Two slow commits of four: the p99 is among them.
  for (let i = 0; i < 2; i++) metrics.sqliteCommit(0.002);
  for (let i = 0; i < 2; i++) metrics.sqliteCommit(0.3);
  advance(10_000);
  await h.sample();
  // None: 0, whatever came before.
  advance(10_000);
  await h.sample();
  const [, mostlyFast, slow, none] = h.points();
  assert.ok(Math.abs(mostlyFast!.commitP99Ms - 2.5) < 1e-9, String(mostlyFast!.commitP99Ms));
  assert.ok(slow!.commitP99Ms > 250 && slow!.commitP99Ms <= 500, String(slow!.commitP99Ms));
  assert.equal(none!.commitP99Ms, 0);
  assert.equal(none!.latencyP99Ms, 0, 'commits are not sends');
});

test('latency quantiles are of the sends of the interval only, interpolated inside their bucket', async () => {
  const { metrics, h, advance } = history(10);
  await h.sample();
  // 98 fast sends (0.5-1 ms bucket) and 2 slow ones (100-250 ms): p50 fast, p99 slow.
  for (let i = 0; i < 98; i++) metrics.sendLatency(0.0007);
  metrics.sendLatency(0.2);
  metrics.sendLatency(0.2);
  advance(10_000);
  await h.sample();
  // An interval without sends: no latency to show, whatever came before.
  advance(10_000);
  await h.sample();
  // One send over the highest bound: the highest finite bound.
  metrics.sendLatency(30);
  advance(10_000);
  await h.sample();
  const [, busy, quiet, huge] = h.points();
  // Rank 50 of 100, all 98 in (0.5, 1] ms: 0.5 + 0.5 * 50/98 ms.
  assert.ok(Math.abs(busy!.latencyP50Ms - (0.5 + (0.5 * 50) / 98)) < 1e-9);
  // Rank 99: the 1st of the 2 in (100, 250] ms: 100 + 150 * 1/2 ms.
  assert.ok(Math.abs(busy!.latencyP99Ms - 175) < 1e-9);
  assert.equal(quiet!.latencyP99Ms, 0);
  assert.equal(quiet!.latencyP50Ms, 0);
  assert.equal(huge!.latencyP99Ms, 2500);
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
