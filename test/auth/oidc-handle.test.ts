import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { baseHandle, handleCandidates, toHandle } from '../../src/auth/oidc-handle.js';
import { HANDLE_RE } from '../../src/protocol/channels.js';

describe('the handle of a first OIDC sign-in', () => {
  test('comes from preferred_username, else the email local part, else sub', () => {
    assert.equal(baseHandle({ preferredUsername: 'Ann.Lee', email: 'x@y.z' }, 's'), 'ann.lee');
    assert.equal(baseHandle({ email: 'Bob+chat@example.com' }, 's'), 'bob_chat');
    assert.equal(baseHandle({}, 'auth0|12345'), 'auth0_12345');
    assert.equal(baseHandle({ preferredUsername: '---' }, '...'), 'user');
  });

  test('is made valid by the handle rules', () => {
    assert.equal(toHandle('José Núñez'), 'jose_nunez');
    assert.equal(toHandle('.hidden'), 'hidden');
    assert.equal(toHandle('x'.repeat(40)).length, 32);
    for (const raw of ['Ünïcödé', '名前', '-.-a', 'a b c']) {
      const h = toHandle(raw);
      assert.ok(h === '' || HANDLE_RE.test(h), raw);
    }
  });

  test('is numbered when taken, within 32 characters', () => {
    const it = handleCandidates('ann', () => 0.5);
    assert.deepEqual([it.next().value, it.next().value, it.next().value], ['ann', 'ann2', 'ann3']);
    const long = handleCandidates('y'.repeat(32), () => 0.123456);
    long.next();
    const second = long.next().value;
    assert.equal(second.length, 32);
    assert.ok(second.endsWith('2'));
  });
});
