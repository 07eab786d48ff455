/**
 * Metrics (src/server/metrics.ts): the hot counters, tallied between reads, say the same totals
 * as counted one `inc` at a time would, read after read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics } from '../../src/server/metrics.js';

/** The labelled series of `name` on the registry's exposition, as `label=value` → count. */
async function series(m: Metrics, name: string): Promise<Record<string, number>> {
  const text = await m.registry.getSingleMetricAsString(name);
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const hit = /^\w+\{(\w+)="([^"]*)"\} (\d+)$/.exec(line);
    if (hit) out[`${hit[1]}=${hit[2]}`] = Number(hit[3]);
  }
  return out;
}

describe('Metrics hot counters', () => {
  it('count frames by type and messages by kind, cumulatively across reads', async () => {
    const m = new Metrics();
    m.frameIn('send');
    m.frameIn('send');
    m.frameIn('read');
    m.messageStored('dm');
    assert.deepEqual(await series(m, 'switchboard_frames_in_total'), {
      'type=send': 2,
      'type=read': 1,
    });
    assert.deepEqual(await series(m, 'switchboard_messages_stored_total'), { 'kind=dm': 1 });
    m.frameIn('send');
    m.messageStored('room');
    assert.deepEqual(await series(m, 'switchboard_frames_in_total'), {
      'type=send': 3,
      'type=read': 1,
    });
    assert.deepEqual(await series(m, 'switchboard_frames_in_total'), {
      'type=send': 3,
      'type=read': 1,
    });
    assert.deepEqual(await series(m, 'switchboard_messages_stored_total'), {
      'kind=dm': 1,
      'kind=room': 1,
    });
  });

  it('count activity: every frame but keep-alives, and every delivery', () => {
    const m = new Metrics();
    m.frameIn('ping');
    m.frameIn('pong');
    assert.equal(m.activity, 0, 'keep-alives alone leave a node idle');
    m.frameIn('send');
    m.delivered(5);
    assert.equal(m.activity, 6);
  });
});
