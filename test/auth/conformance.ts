/**
 * The one Authenticator conformance suite (guarantees documented in src/auth/authenticator.ts).
 * Every implementation's test file calls `authConformance` with a factory that builds an
 * authenticator on a fresh backend, driven by the suite's clock; known gaps are declared as data.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Authenticator, Identity } from '../../src/auth/authenticator.js';

export interface AuthFactory {
  /** A new authenticator with its own empty backend, reading time from `now`. */
  create(options: { ttlMs: number; now: () => number }): Promise<Authenticator>;
  /** Runs after each case. */
  cleanup?(): Promise<void>;
}

const TTL = 60_000;
const T0 = 1_700_000_000_000;

interface Ctx {
  auth: Authenticator;
  /** Moves the suite's clock forward by `ms`. */
  advance: (ms: number) => void;
  now: () => number;
}

export const AUTH_CASES: Record<string, { title: string; run: (ctx: Ctx) => Promise<void> }> = {
  claim: {
    title: 'gives a fresh handle an identity with a token and an expiry one ttl ahead',
    async run({ auth, now }) {
      const id = await auth.authenticate({ handle: 'ann' });
      assert.equal(id.user, 'ann');
      assert.equal(typeof id.token, 'string');
      assert.ok(id.token.length >= 20);
      assert.equal(id.expiresAt, now() + TTL);
    },
  },
  'case-fold': {
    title: 'case-folds handles, so ANN and ann are the same user',
    async run({ auth }) {
      assert.equal((await auth.authenticate({ handle: 'Ann.B_1-x' })).user, 'ann.b_1-x');
      await assert.rejects(auth.authenticate({ handle: 'ANN.B_1-X' }), {
        code: 'SB_ERR_HANDLE_TAKEN',
      });
    },
  },
  race: {
    title: 'lets exactly one of many simultaneous claimants of a free handle win',
    async run({ auth }) {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => auth.authenticate({ handle: 'racer' })),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) {
        if (r.status === 'rejected')
          assert.equal((r.reason as { code: string }).code, 'SB_ERR_HANDLE_TAKEN');
      }
    },
  },
  taken: {
    title: 'rejects a handle held by an unexpired session with SB_ERR_HANDLE_TAKEN',
    async run({ auth, advance }) {
      await auth.authenticate({ handle: 'ann' });
      advance(TTL - 1);
      await assert.rejects(auth.authenticate({ handle: 'ann' }), { code: 'SB_ERR_HANDLE_TAKEN' });
    },
  },
  'handle-invalid': {
    title: 'rejects malformed handles with SB_ERR_HANDLE_INVALID',
    async run({ auth }) {
      for (const handle of ['', 'a b', 'x'.repeat(33), '.ann', '-ann', 'ann!', 'zoë', 'a:b']) {
        await assert.rejects(
          auth.authenticate({ handle }),
          { code: 'SB_ERR_HANDLE_INVALID' },
          handle,
        );
      }
      assert.equal((await auth.authenticate({ handle: 'x'.repeat(32) })).user, 'x'.repeat(32));
    },
  },
  'distinct-tokens': {
    title: 'gives every claim a different token',
    async run({ auth }) {
      const tokens = new Set<string>();
      for (let i = 0; i < 20; i++) tokens.add((await auth.authenticate({ handle: `u${i}` })).token);
      assert.equal(tokens.size, 20);
    },
  },
  resume: {
    title: 'returns the same user for a valid token and slides the expiry forward',
    async run({ auth, advance, now }) {
      const first = await auth.authenticate({ handle: 'ann' });
      advance(TTL / 2);
      const second = await auth.authenticate({ token: first.token });
      assert.equal(second.user, 'ann');
      assert.equal(second.expiresAt, now() + TTL);
      advance(TTL * 0.9); // past the first expiry, within the slid one
      const third = await auth.authenticate({ token: second.token });
      assert.equal(third.user, 'ann');
      await assert.rejects(auth.authenticate({ handle: 'ann' }), { code: 'SB_ERR_HANDLE_TAKEN' });
    },
  },
  'token-invalid': {
    title: 'rejects an unknown token with SB_ERR_TOKEN_INVALID',
    async run({ auth }) {
      await auth.authenticate({ handle: 'ann' });
      for (const token of ['', 'nope', 'A'.repeat(43)]) {
        await assert.rejects(auth.authenticate({ token }), { code: 'SB_ERR_TOKEN_INVALID' }, token);
      }
    },
  },
  'token-expired': {
    title: 'rejects a token whose session expired with SB_ERR_TOKEN_EXPIRED',
    async run({ auth, advance }) {
      const { token } = await auth.authenticate({ handle: 'ann' });
      advance(TTL + 1);
      await assert.rejects(auth.authenticate({ token }), { code: 'SB_ERR_TOKEN_EXPIRED' });
    },
  },
  reclaim: {
    title: 'gives an expired handle to a new claimant with a new token that replaces the old one',
    async run({ auth, advance }) {
      const old = await auth.authenticate({ handle: 'ann' });
      advance(TTL + 1);
      const fresh = await auth.authenticate({ handle: 'ANN' });
      assert.equal(fresh.user, 'ann');
      assert.notEqual(fresh.token, old.token);
      assert.equal((await auth.authenticate({ token: fresh.token })).user, 'ann');
      await assert.rejects(auth.authenticate({ token: old.token }), (err: { code?: string }) =>
        ['SB_ERR_TOKEN_INVALID', 'SB_ERR_TOKEN_EXPIRED'].includes(err.code ?? ''),
      );
    },
  },
  'token-decides': {
    title: "lets a valid token decide over a handle given with it, keeping the token's user",
    async run({ auth }) {
      const ann = await auth.authenticate({ handle: 'ann' });
      const both: Identity = await auth.authenticate({ token: ann.token, handle: 'bob' });
      assert.equal(both.user, 'ann');
      assert.equal(await auth.exists('bob'), false);
      assert.equal((await auth.authenticate({ token: ann.token, handle: 'ann' })).user, 'ann');
      await assert.rejects(auth.authenticate({ token: 'nope', handle: 'cat' }), {
        code: 'SB_ERR_TOKEN_INVALID',
      });
      assert.equal(await auth.exists('cat'), false);
    },
  },
  exists: {
    title: 'reports a user as existing once the handle had a session, even after it expired',
    async run({ auth, advance }) {
      assert.equal(await auth.exists('ann'), false);
      await auth.authenticate({ handle: 'ann' });
      assert.equal(await auth.exists('ann'), true);
      advance(TTL * 10);
      assert.equal(await auth.exists('ann'), true);
      assert.equal(await auth.exists('bob'), false);
    },
  },
};

export function authConformance(
  name: string,
  factory: AuthFactory,
  options: { gaps?: string[] } = {},
): void {
  const gaps = new Set(options.gaps ?? []);
  for (const gap of gaps) {
    if (!(gap in AUTH_CASES)) throw new Error(`unknown auth conformance case in gaps: ${gap}`);
  }

  describe(`Authenticator conformance: ${name}`, () => {
    afterEach(async () => {
      await factory.cleanup?.();
    });

    for (const [id, { title, run }] of Object.entries(AUTH_CASES)) {
      it(title, { skip: gaps.has(id) ? `declared gap: ${id}` : false }, async () => {
        let clock = T0;
        const now = (): number => clock;
        const auth = await factory.create({ ttlMs: TTL, now });
        await run({ auth, now, advance: (ms) => (clock += ms) });
      });
    }
  });
}
