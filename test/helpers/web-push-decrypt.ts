/**
 * The receiving end of Web Push encryption, written from the RFCs for the tests' push service:
 * RFC 8188 (the aes128gcm content coding: header, records, padding) with the keys of RFC 8291
 * (ECDH P-256 between the subscription's key and the sender's one-time key, HKDF with the
 * subscription's auth secret). A payload the sender did not encrypt for exactly this
 * subscription fails the GCM tag check and throws.
 */
import { createDecipheriv, createECDH, hkdfSync, randomBytes, type ECDH } from 'node:crypto';

/** A browser's side of a push subscription: what `pushManager.subscribe` keeps in the browser. */
export interface SubscriptionKeys {
  ecdh: ECDH;
  /** 65-byte uncompressed P-256 point. */
  publicKey: Buffer;
  /** 16 random bytes. */
  auth: Buffer;
  /** What the browser hands to the page: `PushSubscription.toJSON().keys`. */
  json: { p256dh: string; auth: string };
}

export function newSubscriptionKeys(): SubscriptionKeys {
  const ecdh = createECDH('prime256v1');
  const publicKey = ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    publicKey,
    auth,
    json: { p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') },
  };
}

const TAG = 16;
const hkdf = (ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer =>
  Buffer.from(hkdfSync('sha256', ikm, salt, info, length));

/** Decrypts an `aes128gcm` body (RFC 8188 §2) sent to `keys` (RFC 8291 §3.4). */
export function decryptAes128gcm(body: Buffer, keys: SubscriptionKeys): Buffer {
  // RFC 8188 §2.1: salt (16) | rs (uint32) | idlen (uint8) | keyid (idlen) | records.
  if (body.length < 21) throw new Error('aes128gcm body shorter than its header');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  // RFC 8291 §4: the keyid is the sender's one-time public key, 65 bytes uncompressed.
  const senderKey = body.subarray(21, 21 + idlen);
  if (idlen !== 65 || senderKey[0] !== 0x04) throw new Error('keyid is not a P-256 public key');
  if (rs < TAG + 2) throw new Error(`record size ${rs} too small`);
  // RFC 8291 §3.3-3.4: IKM from the ECDH secret, keyed by the auth secret and both public keys.
  const ecdhSecret = keys.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), keys.publicKey, senderKey]);
  const ikm = hkdf(ecdhSecret, keys.auth, keyInfo, 32);
  // RFC 8188 §2.2-2.3: content encryption key and nonce base.
  const cek = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonceBase = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12);
  const records = body.subarray(21 + idlen);
  if (records.length === 0) throw new Error('no records');
  const out: Buffer[] = [];
  for (let i = 0, at = 0; at < records.length; i++, at += rs) {
    const record = records.subarray(at, Math.min(at + rs, records.length));
    const last = at + rs >= records.length;
    if (record.length <= TAG) throw new Error(`record ${i} has no room for its tag`);
    // The record's nonce: the base XOR its sequence number (big-endian, in the last 6 bytes).
    const nonce = Buffer.from(nonceBase);
    for (let b = 0, n = i; n > 0; b++, n = Math.floor(n / 256)) nonce[11 - b]! ^= n % 256;
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - TAG));
    const plain = Buffer.concat([
      decipher.update(record.subarray(0, record.length - TAG)),
      decipher.final(),
    ]);
    // RFC 8188 §2: data, a delimiter (2 in the last record, 1 in others), then zero padding.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0 || plain[end] !== (last ? 2 : 1)) throw new Error(`record ${i}: bad padding`);
    out.push(plain.subarray(0, end));
  }
  return Buffer.concat(out);
}
