/**
 * The tests' push service decrypts with test/helpers/web-push-decrypt.ts; this checks that
 * decryptor against the worked example of RFC 8291 Appendix A, so the end-to-end tests rest
 * on the RFC, not on agreeing with the library they test.
 */
import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { describe, it } from 'node:test';
import { decryptAes128gcm, type SubscriptionKeys } from '../helpers/web-push-decrypt.js';

const b64 = (s: string): Buffer => Buffer.from(s, 'base64url');

// RFC 8291 Appendix A.
const UA_PRIVATE = 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94';
const UA_PUBLIC =
  'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4';
const AUTH = 'BTBZMqHH6r4Tts7J_aSIgg';
const BODY =
  'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6T' +
  'lzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN';

function rfcKeys(auth = AUTH): SubscriptionKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(b64(UA_PRIVATE));
  return {
    ecdh,
    publicKey: ecdh.getPublicKey(),
    auth: b64(auth),
    json: { p256dh: UA_PUBLIC, auth },
  };
}

describe('the aes128gcm decryptor of the test push service', () => {
  it('decrypts the worked example of RFC 8291 Appendix A', () => {
    assert.equal(rfcKeys().publicKey.toString('base64url'), UA_PUBLIC);
    assert.equal(
      decryptAes128gcm(b64(BODY), rfcKeys()).toString('utf8'),
      'When I grow up, I want to be a watermelon',
    );
  });

  it('refuses the example with another auth secret, or with one byte changed', () => {
    assert.throws(() => decryptAes128gcm(b64(BODY), rfcKeys('AAAAAAAAAAAAAAAAAAAAAA')));
    const tampered = b64(BODY);
    tampered[tampered.length - 20]! ^= 1;
    assert.throws(() => decryptAes128gcm(tampered, rfcKeys()));
    assert.throws(() => decryptAes128gcm(b64(BODY).subarray(0, 40), rfcKeys()));
  });
});
