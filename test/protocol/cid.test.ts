import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newCid } from '../../src/protocol/cid.js';

describe('newCid', () => {
  const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  test('is a UUID version 7 carrying the time in milliseconds', () => {
    const at = Date.UTC(2026, 11, 1, 12, 30, 45, 678);
    const cid = newCid(at);
    assert.match(cid, UUID_V7);
    assert.equal(parseInt(cid.slice(0, 8) + cid.slice(9, 13), 16), at);
  });

  test('sorts by time (as the store indexes it) and never repeats', () => {
    const at = Date.UTC(2026, 11, 1);
    const cids = Array.from({ length: 10_000 }, (_, i) => newCid(at + Math.floor(i / 100)));
    assert.equal(new Set(cids).size, cids.length);
    for (let i = 100; i < cids.length; i += 100) assert.ok(cids[i - 1]! < cids[i]!, `${i}`);
    assert.match(newCid(), UUID_V7);
  });
});
