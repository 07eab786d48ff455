/**
 * The one SessionStore conformance suite (guarantees documented in src/auth/session-store.ts).
 * test/auth/session-store.test.ts calls `sessionStoreConformance` for every backend with its
 * factory from test/store/backends.ts, the one the Store suite gets too; a backend that cannot
 * honour a case declares its id in `gaps` and the case is skipped with the reason shown. The
 * suite closes every store a case opened.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { HandleAuthenticator } from '../../src/auth/handle.js';
import type { Session, SessionStore } from '../../src/auth/session-store.js';
import { runProcesses } from '../store/fixtures/processes.js';
import { RELEASE_T0, RELEASE_TTL_MS } from '../store/fixtures/release.js';
import {
  assertUnavailable,
  storageSuite,
  type StorageCase,
  type StorageFactory,
} from '../store/storage-suite.js';

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

const sha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

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
  reopen: {
    title: 'keeps sessions across close and reopen',
    async run({ fresh, openAt }) {
      const url = await fresh();
      const first = await openAt(url);
      const ann = session('ann', 'a', T0 + 10);
      await first.claimSession(ann, T0);
      await first.setSessionExpiry(ann.tokenHash, T0 + 20);
      await first.close();
      const again = await openAt(url);
      assert.deepEqual(await again.sessionByTokenHash(ann.tokenHash), {
        ...ann,
        expiresAt: T0 + 20,
      });
      assert.equal(await again.claimSession(session('ann', 'b', T0 + 30), T0 + 19), false);
    },
  },
  'closed-rejects': {
    title:
      'rejects calls after close with SB_ERR_STORE_UNAVAILABLE carrying the driver error as cause',
    async run({ open }) {
      const store = await open();
      await store.close();
      await assertUnavailable(store.sessionByTokenHash('a'.repeat(64)));
      await assertUnavailable(store.claimSession(session('ann', 'a', T0 + 1), T0));
    },
  },
  'processes-claim': {
    title: 'lets exactly one of 4 processes claiming the same 20 handles at once win each',
    async run({ fresh, openAt }) {
      const url = await fresh();
      const store = await openAt(url);
      const reports = await runProcesses(url, 'claim', 4, 20);
      const handles = Array.from({ length: 20 }, (_, i) => `h${i + 1}`);
      assert.deepEqual(reports.flatMap((r) => r.won).sort(), [...handles].sort());
      for (const [i, report] of reports.entries()) {
        for (const handle of report.won) {
          const [held] = await store.sessionsByHandle(handle);
          assert.equal(held?.tokenHash, `${i + 1}-${handle}`, handle);
        }
      }
    },
  },
  'release-sessions': {
    title: 'finds the sessions written by release 0.1.0 by the hash of their tokens',
    async run({ release, openAt }) {
      assert.ok(release, 'the factory has no release fixture: declare the gap');
      const { url, tokens } = await release();
      const store = await openAt(url);
      const ann = sha256(tokens['ann']!);
      assert.deepEqual(await store.sessionByTokenHash(ann), {
        handle: 'ann',
        tokenHash: ann,
        createdAt: RELEASE_T0,
        expiresAt: RELEASE_T0 + RELEASE_TTL_MS,
      });
      const later = RELEASE_T0 + 60_000;
      const auth = new HandleAuthenticator({
        sessions: store,
        ttlMs: RELEASE_TTL_MS,
        now: () => later,
      });
      assert.equal((await auth.authenticate({ token: tokens['bob']! })).user, 'bob');
      await assert.rejects(auth.authenticate({ handle: 'cat' }), { code: 'SB_ERR_HANDLE_TAKEN' });
      // old's session had expired when the file was written: the handle is free, and known.
      assert.equal(await auth.exists('old'), true);
      await assert.rejects(auth.authenticate({ token: tokens['old']! }), {
        code: 'SB_ERR_TOKEN_EXPIRED',
      });
      const reclaimed = await auth.authenticate({ handle: 'old' });
      assert.deepEqual(
        (await store.sessionsByHandle('old')).map((s) => s.tokenHash),
        [sha256(reclaimed.token)],
      );
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
