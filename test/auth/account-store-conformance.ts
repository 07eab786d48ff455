/**
 * The one AccountStore conformance suite (guarantees documented in src/auth/account-store.ts),
 * run by test/auth/account-store.test.ts against every backend with the factories of
 * test/store/backends.ts. It includes the upgrade from the release 0.1.0 fixtures: guest sessions
 * and memberships keep working, and a guest of that release turns into an account.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Account, DeviceSession } from '../../src/auth/account-store.js';
import { HandleAuthenticator } from '../../src/auth/handle.js';
import type { Session } from '../../src/auth/session-store.js';
import type { StoreBackend } from '../../src/store/open-store.js';
import { RELEASE_T0, RELEASE_TTL_MS } from '../store/fixtures/release.js';
import {
  assertUnavailable,
  storageSuite,
  type StorageCase,
  type StorageFactory,
} from '../store/storage-suite.js';

const T0 = 1_700_000_000_000;
const sha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

const account = (handle: string): Account => ({
  handle,
  passwordHash: `scrypt$hash-of-${handle}`,
  name: null,
  createdAt: T0,
  roles: [],
});

const device = (handle: string, id: string, at = T0): DeviceSession => ({
  id,
  handle,
  tokenHash: sha256(`token-${id}`),
  device: `phone ${id}`,
  createdAt: at,
  lastSeenAt: at,
  expiresAt: at + 1_000,
});

const guest = (handle: string, hashChar: string, expiresAt: number): Session => ({
  handle,
  tokenHash: hashChar.repeat(64),
  createdAt: T0,
  expiresAt,
});

export const ACCOUNT_CASES: Record<string, StorageCase<StoreBackend>> = {
  create: {
    title: 'creates an account with its first session, found by handle and by token hash',
    async run({ open }) {
      const { accounts } = await open();
      const first = device('ann', 's1');
      assert.equal(await accounts.createAccount(account('ann'), first, T0), true);
      assert.deepEqual(await accounts.accountByHandle('ann'), account('ann'));
      assert.deepEqual(await accounts.deviceSessionByTokenHash(first.tokenHash), first);
      assert.deepEqual(await accounts.deviceSessions('ann'), [first]);
      assert.equal(await accounts.accountByHandle('bob'), null);
      assert.equal(await accounts.deviceSessionByTokenHash('f'.repeat(64)), null);
    },
  },
  'handle-forever': {
    title: 'never lets a second register or any guest claim take an account handle',
    async run({ open }) {
      const store = await open();
      assert.equal(
        await store.accounts.createAccount(account('ann'), device('ann', 's1'), T0),
        true,
      );
      assert.equal(
        await store.accounts.createAccount(account('ann'), device('ann', 's2'), T0),
        false,
      );
      const far = Number.MAX_SAFE_INTEGER - 1;
      assert.equal(await store.claimSession(guest('ann', 'a', far), far), false);
      assert.equal((await store.sessionsByHandle('ann')).length, 1, 'the hold is the one row');
      assert.equal(
        await store.accounts.deviceSessionByTokenHash(device('ann', 's2').tokenHash),
        null,
      );
    },
  },
  'guest-holds': {
    title: 'refuses to register a handle a guest holds unexpired, and takes it once expired',
    async run({ open }) {
      const store = await open();
      await store.claimSession(guest('bob', 'b', T0 + 10), T0);
      assert.equal(
        await store.accounts.createAccount(account('bob'), device('bob', 's1'), T0 + 9),
        false,
      );
      assert.equal(
        await store.accounts.createAccount(account('bob'), device('bob', 's1'), T0 + 10),
        true,
      );
      assert.equal(
        await store.sessionByTokenHash('b'.repeat(64)),
        null,
        'the old guest token is gone',
      );
    },
  },
  'register-race': {
    title: 'lets exactly one of 8 registers and 8 guest claims racing for a free handle win',
    async run({ open }) {
      const store = await open();
      const registers = Array.from({ length: 8 }, (_, i) =>
        store.accounts.createAccount(account('cat'), device('cat', `r${i}`), T0),
      );
      const claims = Array.from({ length: 8 }, (_, i) =>
        store.claimSession(guest('cat', i.toString(16), T0 + 10), T0),
      );
      const won = await Promise.all([...registers, ...claims]);
      assert.equal(won.filter(Boolean).length, 1);
    },
  },
  upgrade: {
    title: "turns a live guest session into an account that keeps the guest's token hash",
    async run({ open }) {
      const store = await open();
      const g = guest('dan', 'd', T0 + 100);
      await store.claimSession(g, T0);
      const first = device('ignored', 's1');
      assert.equal(
        await store.accounts.upgradeGuest(g.tokenHash, account('x'), first, T0 + 1),
        'dan',
      );
      assert.equal((await store.accounts.accountByHandle('dan'))?.handle, 'dan');
      const kept = await store.accounts.deviceSessionByTokenHash(g.tokenHash);
      assert.equal(kept?.handle, 'dan');
      assert.equal(kept?.id, 's1');
      assert.equal(await store.sessionByTokenHash(g.tokenHash), null, 'no longer a guest token');
      assert.equal(await store.claimSession(guest('dan', 'e', T0 + 999), T0 + 500), false);
      assert.equal(
        await store.accounts.upgradeGuest(g.tokenHash, account('x'), first, T0 + 2),
        null,
      );
    },
  },
  'upgrade-expired': {
    title: 'refuses to upgrade an expired or unknown guest session',
    async run({ open }) {
      const store = await open();
      const g = guest('eve', 'e', T0 + 10);
      await store.claimSession(g, T0);
      assert.equal(
        await store.accounts.upgradeGuest(g.tokenHash, account('x'), device('x', 's1'), T0 + 10),
        null,
      );
      assert.equal(
        await store.accounts.upgradeGuest('0'.repeat(64), account('x'), device('x', 's2'), T0),
        null,
      );
      assert.equal(await store.accounts.accountByHandle('eve'), null);
    },
  },
  'device-sessions': {
    title: 'adds, touches, lists and revokes device sessions, only the owner’s',
    async run({ open }) {
      const { accounts } = await open();
      await accounts.createAccount(account('ann'), device('ann', 's1'), T0);
      await accounts.createAccount(account('bob'), device('bob', 'b1'), T0);
      const s2 = device('ann', 's2', T0 + 5);
      await accounts.addDeviceSession(s2);
      assert.deepEqual(
        (await accounts.deviceSessions('ann')).map((s) => s.id),
        ['s1', 's2'],
      );
      assert.equal(await accounts.touchDeviceSession('s2', T0 + 50, T0 + 5_000), true);
      const touched = await accounts.deviceSessionByTokenHash(s2.tokenHash);
      assert.equal(touched?.lastSeenAt, T0 + 50);
      assert.equal(touched?.expiresAt, T0 + 5_000);
      assert.equal(await accounts.revokeDeviceSession('bob', 's2'), false, "not bob's");
      assert.equal(await accounts.revokeDeviceSession('ann', 's2'), true);
      assert.equal(await accounts.deviceSessionByTokenHash(s2.tokenHash), null);
      assert.equal(await accounts.touchDeviceSession('s2', T0 + 60, T0 + 6_000), false);
      assert.equal(await accounts.revokeDeviceSession('ann', 's2'), false);
    },
  },
  'set-password': {
    title: 'sets the password hash and revokes every other session of the account at once',
    async run({ open }) {
      const { accounts } = await open();
      await accounts.createAccount(account('ann'), device('ann', 's1'), T0);
      await accounts.createAccount(account('bob'), device('bob', 'b1'), T0);
      await accounts.addDeviceSession(device('ann', 's2'));
      await accounts.addDeviceSession(device('ann', 's3'));
      assert.deepEqual((await accounts.setPassword('ann', 'scrypt$new', 's2')).sort(), [
        's1',
        's3',
      ]);
      assert.equal((await accounts.accountByHandle('ann'))?.passwordHash, 'scrypt$new');
      assert.deepEqual(
        (await accounts.deviceSessions('ann')).map((s) => s.id),
        ['s2'],
      );
      assert.deepEqual(
        (await accounts.deviceSessions('bob')).map((s) => s.id),
        ['b1'],
      );
      assert.deepEqual(await accounts.setPassword('nobody', 'scrypt$x', 's1'), []);
    },
  },
  names: {
    title: 'sets and clears display names, Unicode included',
    async run({ open }) {
      const { accounts } = await open();
      await accounts.createAccount(account('ann'), device('ann', 's1'), T0);
      assert.equal(await accounts.setName('ann', 'Ann Ñandú 🦜'), true);
      assert.deepEqual(await accounts.accountNames(), [{ handle: 'ann', name: 'Ann Ñandú 🦜' }]);
      assert.equal(await accounts.setName('ann', null), true);
      assert.equal((await accounts.accountByHandle('ann'))?.name, null);
      assert.equal(await accounts.setName('bob', 'Bob'), false);
    },
  },
  roles: {
    title: 'gives and takes server roles; a new account has none whatever it asks for',
    async run({ open }) {
      const { accounts } = await open();
      const wants = { ...account('ann'), roles: ['admin'] };
      await accounts.createAccount(wants, device('ann', 's1'), T0);
      await accounts.createAccount(account('bob'), device('bob', 'b1'), T0);
      assert.deepEqual((await accounts.accountByHandle('ann'))?.roles, []);
      assert.deepEqual(await accounts.accountsWithRoles(), []);
      assert.equal(await accounts.setRoles('bob', ['admin', 'auditor']), true);
      assert.deepEqual((await accounts.accountByHandle('bob'))?.roles, ['admin', 'auditor']);
      assert.deepEqual(await accounts.accountsWithRoles(), [
        { handle: 'bob', roles: ['admin', 'auditor'] },
      ]);
      assert.equal(await accounts.setRoles('bob', []), true);
      assert.deepEqual(await accounts.accountsWithRoles(), []);
      assert.equal(await accounts.setRoles('nobody', ['admin']), false);
    },
  },
  presentedRoles: {
    title: 'keeps the roles a JWT or webhook last presented per user, replaced or cleared',
    async run({ open }) {
      const { accounts } = await open();
      assert.deepEqual(await accounts.presentedRoles('jo'), [], 'never presented');
      await accounts.setPresentedRoles('jo', ['admin', 'auditor'], T0);
      await accounts.setPresentedRoles('kay', ['admin'], T0);
      assert.deepEqual(await accounts.presentedRoles('jo'), ['admin', 'auditor']);
      await accounts.setPresentedRoles('jo', ['auditor'], T0 + 1);
      assert.deepEqual(await accounts.presentedRoles('jo'), ['auditor'], 'replaced');
      await accounts.setPresentedRoles('kay', [], T0 + 1);
      assert.deepEqual(await accounts.presentedRoles('kay'), [], 'cleared');
      assert.equal(await accounts.accountByHandle('jo'), null, 'no account made');
    },
  },
  reopen: {
    title: 'keeps accounts, names, roles and device sessions across close and reopen',
    async run({ fresh, openAt }) {
      const url = await fresh();
      const first = await openAt(url);
      await first.accounts.createAccount(account('ann'), device('ann', 's1'), T0);
      await first.accounts.setName('ann', 'Ann');
      await first.accounts.setRoles('ann', ['admin']);
      await first.accounts.setPresentedRoles('jo', ['admin'], T0);
      await first.close();
      const again = await openAt(url);
      assert.deepEqual(await again.accounts.accountByHandle('ann'), {
        ...account('ann'),
        name: 'Ann',
        roles: ['admin'],
      });
      assert.deepEqual(await again.accounts.deviceSessions('ann'), [device('ann', 's1')]);
      assert.deepEqual(await again.accounts.presentedRoles('jo'), ['admin']);
      assert.equal(await again.claimSession(guest('ann', 'a', T0 + 10), T0 + 5), false);
    },
  },
  'closed-rejects': {
    title:
      'rejects calls after close with SB_ERR_STORE_UNAVAILABLE carrying the driver error as cause',
    async run({ open }) {
      const store = await open();
      await store.close();
      await assertUnavailable(store.accounts.accountByHandle('ann'));
      await assertUnavailable(store.accounts.presentedRoles('jo'));
      await assertUnavailable(store.accounts.setPresentedRoles('jo', ['admin'], T0));
      await assertUnavailable(
        store.accounts.createAccount(account('ann'), device('ann', 's1'), T0),
      );
      await assertUnavailable(store.accounts.deviceSessionByTokenHash('a'.repeat(64)));
    },
  },
  'oidc-link': {
    title: 'links an OIDC identity to the account made with it, atomically and only once',
    async run({ open }) {
      const { accounts } = await open();
      const ann = { issuer: 'https://id.example', subject: 'u-1' };
      assert.equal(await accounts.accountByOidc(ann), null);
      assert.equal(
        await accounts.createAccount(account('ann'), device('ann', 's1'), T0, ann),
        true,
      );
      assert.equal(await accounts.accountByOidc(ann), 'ann');
      assert.equal(await accounts.accountByOidc({ ...ann, issuer: 'https://other.example' }), null);
      assert.equal(await accounts.accountByOidc({ ...ann, subject: 'u-2' }), null);
      // The same identity again (a racing first sign-in) makes no second account.
      assert.equal(
        await accounts.createAccount(account('ann2'), device('ann2', 's2'), T0, ann),
        false,
      );
      assert.equal(await accounts.accountByHandle('ann2'), null);
      assert.equal(await accounts.deviceSessionByTokenHash(device('ann2', 's2').tokenHash), null);
      // A taken handle links nothing.
      const bob = { issuer: 'https://id.example', subject: 'u-3' };
      assert.equal(
        await accounts.createAccount(account('ann'), device('ann', 's3'), T0, bob),
        false,
      );
      assert.equal(await accounts.accountByOidc(bob), null);
    },
  },
  'oidc-guest': {
    title: 'never links an OIDC identity to a handle an unexpired guest holds',
    async run({ open }) {
      const store = await open();
      assert.equal(await store.claimSession(guest('ann', 'a', T0 + 1_000), T0), true);
      const ann = { issuer: 'https://id.example', subject: 'u-1' };
      assert.equal(
        await store.accounts.createAccount(account('ann'), device('ann', 's1'), T0, ann),
        false,
      );
      assert.equal(await store.accounts.accountByOidc(ann), null);
      assert.equal(await store.accounts.accountByHandle('ann'), null);
    },
  },
  'release-upgrade': {
    title: 'upgrades a release 0.1.0 store: guests keep their sessions and rooms, and can upgrade',
    async run({ release, openAt }) {
      assert.ok(release, 'the factory has no release fixture: declare the gap');
      const { url, tokens } = await release();
      const store = await openAt(url);
      const later = RELEASE_T0 + 60_000;
      const auth = new HandleAuthenticator({
        sessions: store,
        ttlMs: RELEASE_TTL_MS,
        now: () => later,
      });
      assert.equal((await auth.authenticate({ token: tokens['bob']! })).user, 'bob');
      const before = await store.memberships('ann');
      assert.ok(before.length > 0, 'ann is in rooms in the fixture');
      const hash = sha256(tokens['ann']!);
      assert.equal(
        await store.accounts.upgradeGuest(hash, account('ann'), device('ann', 's1'), later),
        'ann',
      );
      assert.deepEqual(await store.memberships('ann'), before);
      assert.equal((await store.accounts.deviceSessionByTokenHash(hash))?.handle, 'ann');
      await assert.rejects(auth.authenticate({ handle: 'ann' }), { code: 'SB_ERR_HANDLE_TAKEN' });
      // old's session expired before the upgrade: an account may take the handle.
      assert.equal(
        await store.accounts.createAccount(account('old'), device('old', 'o1'), later),
        true,
      );
    },
  },
};

export function accountStoreConformance(
  name: string,
  factory: StorageFactory<StoreBackend>,
  options: { gaps?: string[] } = {},
): void {
  storageSuite(`AccountStore conformance: ${name}`, ACCOUNT_CASES, factory, options.gaps);
}
