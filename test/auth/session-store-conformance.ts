/**
 * The one SessionStore conformance suite (guarantees documented in src/auth/session-store.ts).
 * Every backend's test file calls `sessionStoreConformance` with a factory (the same one it gives
 * the Store suite); a backend that cannot honour a case declares its id in `gaps` and the case
 * is skipped with the reason shown. The suite closes every store a case opened.
 */
import assert from 'node:assert/strict';
import type { Session, SessionStore } from '../../src/auth/session-store.js';
import { storageSuite, type StorageCase, type StorageFactory } from '../store/storage-suite.js';

type ClosableSessionStore = SessionStore & { close(): Promise<void> };

export type SessionStoreFactory = StorageFactory<ClosableSessionStore>;

const T0 = 1_700_000_000_000;

/** A session of `handle` whose token hash is `hashChar` × 64. */
const session = (handle: string, hashChar: string, expiresAt: number, createdAt = T0): Session => ({
  handle,
  tokenHash: hashChar.repeat(64),
  createdAt,
  expiresAt,
});

export const SESSION_CASES: Record<string, StorageCase<ClosableSessionStore>> = {
  sessions: {
    title:
      'finds sessions by token hash and by handle; a new claim of the handle replaces its session',
    async run({ open }) {
      const store = await open();
      const ann = session('ann', 'a', T0 + 10);
      const bob = session('bob', 'b', T0 + 20);
      assert.equal(await store.claimSession(ann, T0), true);
      assert.equal(await store.claimSession(bob, T0), true);
      assert.deepEqual(await store.sessionByTokenHash(ann.tokenHash), ann);
      assert.deepEqual(await store.sessionsByHandle('bob'), [bob]);
      assert.deepEqual(await store.sessionsByHandle('cat'), []);
      assert.equal(await store.sessionByTokenHash('c'.repeat(64)), null);
      const renewed = session('ann', 'd', T0 + 99, T0 + 10);
      assert.equal(await store.claimSession(renewed, T0 + 10), true);
      assert.deepEqual(await store.sessionsByHandle('ann'), [renewed]);
      assert.deepEqual(await store.sessionByTokenHash(renewed.tokenHash), renewed);
      assert.equal(await store.sessionByTokenHash(ann.tokenHash), null);
      const slid = { ...renewed, expiresAt: T0 + 500 };
      assert.equal(await store.setSessionExpiry(renewed.tokenHash, slid.expiresAt), true);
      assert.deepEqual(await store.sessionByTokenHash(slid.tokenHash), slid);
    },
  },
  'claim-session': {
    title: 'claims a handle only when it is free or its session expired',
    async run({ open }) {
      const store = await open();
      const ann = session('ann', 'a', T0 + 10);
      const rival = session('ann', 'e', T0 + 10);
      assert.equal(await store.claimSession(ann, T0), true);
      assert.equal(await store.claimSession(rival, T0 + 9), false);
      assert.deepEqual(await store.sessionsByHandle('ann'), [ann]);
      assert.equal(await store.claimSession(rival, T0 + 10), true);
      assert.deepEqual(await store.sessionsByHandle('ann'), [rival]);
      assert.equal(await store.sessionByTokenHash(ann.tokenHash), null);
    },
  },
  'claim-race': {
    title: 'lets exactly one of 16 concurrent claims of a free handle win',
    async run({ open }) {
      const store = await open();
      const claims = Array.from({ length: 16 }, (_, i) => session('ann', i.toString(16), T0 + 10));
      const won = await Promise.all(claims.map((s) => store.claimSession(s, T0)));
      assert.equal(won.filter(Boolean).length, 1);
      assert.deepEqual(await store.sessionsByHandle('ann'), [claims[won.indexOf(true)]]);
    },
  },
  'set-expiry': {
    title:
      'ends a session by its token hash while keeping it known, and resolves false for an unknown hash',
    async run({ open }) {
      const store = await open();
      const ann = session('ann', 'a', T0 + 1_000);
      await store.claimSession(ann, T0);
      assert.equal(await store.setSessionExpiry(ann.tokenHash, T0 + 5), true);
      const ended = { ...ann, expiresAt: T0 + 5 };
      assert.deepEqual(await store.sessionByTokenHash(ann.tokenHash), ended);
      assert.deepEqual(await store.sessionsByHandle('ann'), [ended]);
      assert.equal(await store.claimSession(session('ann', 'b', T0 + 99), T0 + 5), true);
      assert.equal(await store.setSessionExpiry('f'.repeat(64), T0), false);
      assert.equal(await store.sessionByTokenHash('f'.repeat(64)), null);
    },
  },
};

export function sessionStoreConformance(
  name: string,
  factory: SessionStoreFactory,
  options: { gaps?: string[] } = {},
): void {
  storageSuite(`SessionStore conformance: ${name}`, SESSION_CASES, factory, options.gaps);
}
