/** SmallSet (src/core/small-set.ts): a Set that allocates one only for a second member. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SmallSet } from '../../src/core/small-set.js';

describe('SmallSet', () => {
  it('behaves as a Set through one, two and back to no members, in insertion order', () => {
    const s = new SmallSet<string>();
    assert.deepEqual([s.size, s.has('a'), [...s]], [0, false, []]);
    assert.equal(s.add('a').add('a').size, 1);
    assert.deepEqual([s.has('a'), s.has('b'), [...s]], [true, false, ['a']]);
    s.add('b').add('c');
    assert.deepEqual([s.size, [...s]], [3, ['a', 'b', 'c']]);
    assert.equal(s.delete('b'), true);
    assert.equal(s.delete('b'), false);
    assert.deepEqual([...s], ['a', 'c']);
    s.delete('a');
    s.delete('c');
    assert.deepEqual([s.size, [...s], s.has('a')], [0, [], false]);
  });

  it('deletes its only member and nothing else', () => {
    const s = new SmallSet<string>().add('x');
    assert.equal(s.delete('y'), false);
    assert.equal(s.delete('x'), true);
    assert.deepEqual([s.size, s.delete('x')], [0, false]);
    assert.deepEqual([...s.add('z')], ['z']);
  });
});
