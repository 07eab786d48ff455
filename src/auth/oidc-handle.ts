/**
 * The handle a first OIDC sign-in asks for, made valid by the handle rules
 * (src/protocol/channels.ts HANDLE_RE: 1-32 of a-z 0-9 _ . -, not starting with . or -), and
 * the numbered candidates tried when it is taken: `ann`, `ann2`, `ann3`, …
 */
import { HANDLE_RE } from '../protocol/channels.js';

/** The claims of an ID token a new account is made from. */
export interface OidcProfile {
  preferredUsername?: string | undefined;
  email?: string | undefined;
  name?: string | undefined;
}

/** How many numbered candidates are tried before a random suffix. */
export const NUMBERED_CANDIDATES = 20;

/** `Ann.Lee` → `ann.lee`, `José` → `jose`, `a b` → `a_b`, `---` → '' (nothing left). */
export function toHandle(text: string): string {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '_')
    .replace(/^[.-]+/, '')
    .slice(0, 32);
  return HANDLE_RE.test(folded) ? folded : '';
}

/** The first handle asked for: from preferred_username, else the email's local part, else sub. */
export function baseHandle(profile: OidcProfile, subject: string): string {
  const local = profile.email?.split('@')[0];
  for (const source of [profile.preferredUsername, local, subject]) {
    const handle = source ? toHandle(source) : '';
    if (handle) return handle;
  }
  return 'user';
}

/** The candidates in order: the base, then base2 … base20, then base with a random number. */
export function* handleCandidates(base: string, random: () => number): Generator<string, never> {
  yield base;
  for (let n = 2; n <= NUMBERED_CANDIDATES; n++) yield withSuffix(base, String(n));
  for (;;) yield withSuffix(base, String(Math.floor(random() * 1e6)));
}

function withSuffix(base: string, suffix: string): string {
  return base.slice(0, 32 - suffix.length) + suffix;
}
