import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoginThrottle } from '../../src/auth/login-throttle.js';

const code = (fn: () => void): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('LoginThrottle', () => {
  it('refuses an account past its burst, and an address past its own, with retryAfter', () => {
    let now = 0;
    const t = new LoginThrottle({ accountBurst: 2, addressBurst: 3, now: () => now });
    const kim = ['a1', 'a2', 'a3'].map((a) => code(() => t.attempt(a, 'kim')));
    assert.deepEqual(kim, [null, null, 'SB_ERR_LOGIN_THROTTLED']);
    // a1 has made one attempt: two more, then it is refused whatever the account.
    const a1 = ['lee', 'max', 'ned'].map((h) => code(() => t.attempt('a1', h)));
    assert.deepEqual(a1, [null, null, 'SB_ERR_LOGIN_THROTTLED']);
    assert.throws(
      () => t.attempt('a1'),
      (err: { retryAfter?: number }) => (err.retryAfter ?? 0) > 0,
    );
    now += 10_000; // 0.1/s per account: one more attempt for kim
    assert.equal(
      code(() => t.attempt('a4', 'kim')),
      null,
    );
  });

  it('tells onAttempt of the attempts it lets through, not of the refused ones', () => {
    const told: [string, string | undefined][] = [];
    const t = new LoginThrottle({ accountBurst: 1, now: () => 0 });
    t.onAttempt = (address, handle) => told.push([address, handle]);
    t.attempt('a1', 'kim');
    t.attempt('a2');
    assert.equal(
      code(() => t.attempt('a3', 'kim')),
      'SB_ERR_LOGIN_THROTTLED',
    );
    assert.deepEqual(told, [
      ['a1', 'kim'],
      ['a2', undefined],
    ]);
  });

  it("takes another node's attempts (observe) from its own buckets, never refusing them", () => {
    const t = new LoginThrottle({ accountBurst: 3, addressBurst: 100, now: () => 0 });
    const told: string[] = [];
    t.onAttempt = (address) => told.push(address);
    for (let i = 0; i < 5; i++) t.observe(`remote${i}`, 'kim');
    assert.deepEqual(told, [], 'an observed attempt is not passed on again');
    assert.equal(
      code(() => t.attempt('local', 'kim')),
      'SB_ERR_LOGIN_THROTTLED',
    );
    assert.equal(
      code(() => t.attempt('local', 'lee')),
      null,
      'other accounts untouched',
    );
    for (let i = 0; i < 200; i++) t.observe('flood');
    assert.equal(
      code(() => t.attempt('flood', 'max')),
      'SB_ERR_LOGIN_THROTTLED',
      'address too',
    );
  });
});
