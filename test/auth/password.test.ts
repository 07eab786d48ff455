import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPassword, hashPassword, kdfStats, verifyPassword } from '../../src/auth/password.js';

describe('password hashing', () => {
  test('stores scrypt$N$r$p$salt$hash with N=2^15, r=8, p=1 and a fresh salt each time', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    assert.match(a, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    assert.notEqual(a, b);
  });

  test('verifies the right password only, Unicode included', async () => {
    const stored = await hashPassword('pässwörd 🔑');
    assert.equal(await verifyPassword('pässwörd 🔑', stored), true);
    assert.equal(await verifyPassword('passwörd 🔑', stored), false);
    assert.equal(await verifyPassword('pässwörd 🔑', 'not-a-hash'), false);
  });

  test('bounds the length before hashing with SB_ERR_PASSWORD_INVALID: 8 to 1024 bytes', async () => {
    for (const p of ['', '1234567', 'x'.repeat(1025), '€'.repeat(342)]) {
      assert.throws(() => checkPassword(p), { code: 'SB_ERR_PASSWORD_INVALID' }, p.slice(0, 9));
      await assert.rejects(hashPassword(p), { code: 'SB_ERR_PASSWORD_INVALID' });
    }
    checkPassword('12345678');
    checkPassword('x'.repeat(1024));
  });

  test('rejects a megabyte password at once, without running the KDF', async () => {
    const stored = await hashPassword('correct horse');
    const runs = kdfStats.runs;
    assert.equal(await verifyPassword('x'.repeat(1_000_000), stored), false);
    assert.equal(kdfStats.runs, runs, 'no KDF run');
    assert.equal(await verifyPassword('y'.repeat(1024), stored), false);
    assert.equal(kdfStats.runs, runs + 1, 'a password within the bound is hashed');
  });
});
