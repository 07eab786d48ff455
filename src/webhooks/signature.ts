/**
 * Webhook and hook signatures (docs/webhooks.md): `Switchboard-Signature: t=<unix seconds>,
 * v1=<hex HMAC-SHA256 of "<t>.<body>" under the subscription's secret>`. The receiver recomputes
 * it over the raw body, compares in constant time and refuses a `t` outside its replay window.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'switchboard-signature';
export const EVENT_ID_HEADER = 'switchboard-event-id';
/** Seconds a receiver should accept a signature's timestamp either side of its clock. */
export const DEFAULT_TOLERANCE_S = 300;

function hmac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}

/** The header value for `body` signed at `nowMs`. */
export function sign(secret: string, body: string, nowMs: number = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t}, v1=${hmac(secret, t, body)}`;
}

/**
 * Whether `header` is a valid signature of `body` under `secret`, made within `toleranceS` of
 * `nowMs`. Any `v1` of the header may match (a receiver rotating secrets checks each).
 */
export function verify(
  secret: string,
  header: string,
  body: string,
  nowMs: number = Date.now(),
  toleranceS = DEFAULT_TOLERANCE_S,
): boolean {
  const parts = header.split(',').map((p) => p.trim().split('=') as [string, string?]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isSafeInteger(t) || Math.abs(nowMs / 1000 - t) > toleranceS) return false;
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  return parts.some(([k, v]) => {
    if (k !== 'v1' || v === undefined || !/^[0-9a-f]{64}$/.test(v)) return false;
    return timingSafeEqual(Buffer.from(v, 'hex'), expected);
  });
}

/** A new secret: 32 random bytes, `whsec_` + base64url. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
