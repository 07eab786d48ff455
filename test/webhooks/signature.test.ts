/** Webhook signatures: what sign makes, verify accepts; a changed body, key or old stamp fails. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newSecret, sign, verify } from '../../src/webhooks/signature.js';

const NOW = 1_764_550_000_000;

describe('webhook signatures', () => {
  it('verifies a signature over the same body, secret and a time within the window', () => {
    const header = sign('s3cret', '{"id":"evt_1"}', NOW);
    assert.match(header, /^t=\d+, v1=[0-9a-f]{64}$/);
    assert.equal(verify('s3cret', header, '{"id":"evt_1"}', NOW + 299_000), true);
  });

  it('refuses another body, another secret, a stamp outside the window, and garbage', () => {
    const header = sign('s3cret', 'body', NOW);
    assert.equal(verify('s3cret', header, 'body ', NOW), false);
    assert.equal(verify('other', header, 'body', NOW), false);
    assert.equal(verify('s3cret', header, 'body', NOW + 301_000), false);
    assert.equal(verify('s3cret', header, 'body', NOW - 301_000), false);
    assert.equal(verify('s3cret', 't=abc, v1=zz', 'body', NOW), false);
    assert.equal(verify('s3cret', '', 'body', NOW), false);
  });

  it('makes distinct whsec_ secrets', () => {
    const a = newSecret();
    assert.match(a, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, newSecret());
  });
});
