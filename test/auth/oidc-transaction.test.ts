import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  openTransaction,
  safeReturnPath,
  sealTransaction,
  transactionKey,
  type OidcTransaction,
} from '../../src/auth/oidc-transaction.js';

const T0 = 1_700_000_000_000;
const tx: OidcTransaction = {
  state: 'state-1',
  nonce: 'nonce-1',
  codeVerifier: 'verifier-1',
  returnTo: '/',
  expiresAt: T0 + 600_000,
};
const key = transactionKey('client secret');

describe('the OIDC transaction cookie', () => {
  test('opens what it sealed, on any node with the same client secret', () => {
    const sealed = sealTransaction(key, tx);
    assert.deepEqual(openTransaction(transactionKey('client secret'), sealed, T0), tx);
    assert.ok(!sealed.includes('verifier-1') && !sealed.includes('state-1'), 'encrypted');
  });

  test('refuses a cookie sealed with another secret, altered, truncated or expired', () => {
    const sealed = sealTransaction(key, tx);
    assert.equal(openTransaction(transactionKey('another secret'), sealed, T0), null);
    const i = sealed.length - 5;
    const flipped = sealed.slice(0, i) + (sealed[i] === 'A' ? 'B' : 'A') + sealed.slice(i + 1);
    assert.equal(openTransaction(key, flipped, T0), null);
    assert.equal(openTransaction(key, sealed.slice(0, 20), T0), null);
    assert.equal(openTransaction(key, 'garbage', T0), null);
    assert.equal(openTransaction(key, sealed, tx.expiresAt), null);
  });

  test('keeps a return path on this server and refuses others (no open redirect)', () => {
    assert.equal(safeReturnPath('/rooms?x=1'), '/rooms?x=1');
    for (const bad of [null, '', 'https://evil.example', '//evil.example', '/\\evil.example']) {
      assert.equal(safeReturnPath(bad), '/', String(bad));
    }
  });
});
