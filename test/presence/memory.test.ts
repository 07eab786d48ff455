import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryPresence } from '../../src/presence/memory.js';
import { presenceConformance } from './conformance.js';

presenceConformance(
  'MemoryPresence',
  { create: async () => new MemoryPresence() },
  // Single node by design: nothing to sum across, no other node to tell.
  { gaps: ['cluster-sum', 'cluster-close'] },
);

test('MemoryPresence throws a RangeError at once for a negative or fractional count', () => {
  const presence = new MemoryPresence();
  assert.throws(() => presence.setLocal('ann', -1), RangeError);
  assert.throws(() => presence.setLocal('ann', 1.5), RangeError);
  assert.equal(presence.count('ann'), 0);
});
