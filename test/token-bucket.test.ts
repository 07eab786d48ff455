/** The token bucket the core and the SDK share (src/token-bucket.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../src/token-bucket.js';

describe('TokenBucket', () => {
  it('grants the burst, then one token per 1/rate s, and says how long to wait', () => {
    let t = 0;
    const b = new TokenBucket(10, 3, () => t);
    assert.deepEqual([b.take(), b.take(), b.take()], [0, 0, 0]);
    assert.equal(b.take(), 100);
    t += 100;
    assert.equal(b.take(), 0);
  });

  it('neither drains nor refills when the clock steps back', () => {
    let t = 10_000;
    const b = new TokenBucket(10, 2, () => t);
    t -= 6_000;
    assert.deepEqual([b.take(), b.take()], [0, 0], 'the burst is still there');
    assert.ok(b.take() > 0);
    t += 6_000;
    assert.ok(b.take() > 0, 'nothing refilled for time that did not pass');
    t += 100;
    assert.equal(b.take(), 0);
  });

  it('is full once it has refilled to the burst, as a new bucket is', () => {
    let t = 0;
    const b = new TokenBucket(10, 2, () => t);
    assert.equal(b.full(), true);
    b.take();
    assert.equal(b.full(), false);
    t += 50;
    assert.equal(b.full(), false, 'half a token back');
    t += 50;
    assert.equal(b.full(), true);
  });
});
