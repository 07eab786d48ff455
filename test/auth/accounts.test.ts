import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AccountAuthenticator } from '../../src/auth/account-authenticator.js';
import { AccountService } from '../../src/auth/accounts.js';
import { LoginThrottle } from '../../src/auth/login-throttle.js';
import { MemoryStore } from '../../src/store/memory.js';
import { kdfStats } from '../../src/auth/password.js';

const PASSWORD = 'correct horse battery';
const TTL = 100_000; // a step (1% of the ttl) is 1 s
const origin = { device: 'test', address: '10.0.0.1' };

function setup() {
  let now = 1_000_000;
  const store = new MemoryStore();
  const revoked: string[] = [];
  const accounts = new AccountService({
    accounts: store.accounts,
    sessions: store,
    throttle: new LoginThrottle({ accountBurst: 1000, addressBurst: 1000 }),
    ttlMs: TTL,
    onRevoke: (_handle, id) => revoked.push(id),
    knownUser: async (handle) => (await store.memberships(handle)).length > 0,
    now: () => now,
  });
  const auth = new AccountAuthenticator(accounts);
  return { store, accounts, auth, revoked, tick: (ms: number) => (now += ms), at: () => now };
}

describe('AccountService register', () => {
  test('refuses with SB_ERR_HANDLE_TAKEN the name of a JWT or webhook user (channels, no session)', async () => {
    const { store, accounts } = setup();
    await store.createChannel('room:general', 'room');
    await store.addMember('room:general', 'zed');
    await assert.rejects(accounts.register('zed', PASSWORD, origin), {
      code: 'SB_ERR_HANDLE_TAKEN',
    });
    assert.equal((await accounts.register('amy', PASSWORD, origin)).user.user, 'amy');
  });
});

describe('AccountService display names', () => {
  test('refuses with SB_ERR_NAME_CONFUSABLE the handle of a JWT or webhook user (channels, no session)', async () => {
    const { store, accounts } = setup();
    await store.createChannel('room:general', 'room');
    await store.addMember('room:general', 'zed');
    const { token } = await accounts.register('amy', PASSWORD, origin);
    await assert.rejects(accounts.rename(token, 'ZED'), { code: 'SB_ERR_NAME_CONFUSABLE' });
    assert.equal((await accounts.rename(token, 'Zedd')).name, 'Zedd');
  });
});

describe('AccountService sessions at hello', () => {
  test('slides the expiry and lastSeenAt at most once a step, and refuses an expired token', async () => {
    const { accounts, auth, tick, at } = setup();
    const { token } = await accounts.register('ann', PASSWORD, origin);
    const born = at();
    tick(500);
    assert.equal((await auth.authenticate({ token })).expiresAt, born + TTL, 'within a step');
    tick(1_000);
    const slid = await auth.authenticate({ token });
    assert.equal(slid.expiresAt, at() + TTL);
    assert.equal(slid.user, 'ann');
    assert.equal(typeof slid.sessionId, 'string');
    const [session] = await accounts.sessions(token);
    assert.equal(session?.lastSeenAt, at());
    tick(TTL);
    await assert.rejects(auth.authenticate({ token }), { code: 'SB_ERR_TOKEN_EXPIRED' });
  });

  test('answers SB_ERR_TOKEN_INVALID for a revoked token and for a guest token', async () => {
    const { store, accounts, auth, revoked } = setup();
    const { token } = await accounts.register('bob', PASSWORD, origin);
    const [session] = await accounts.sessions(token);
    await accounts.logout(token);
    assert.deepEqual(revoked, [session!.id], 'its connections are closed');
    await assert.rejects(auth.authenticate({ token }), { code: 'SB_ERR_TOKEN_INVALID' });
    await store.claimSession(
      { handle: 'cat', tokenHash: 'c'.repeat(64), createdAt: 0, expiresAt: 9e15 },
      0,
    );
    await assert.rejects(auth.authenticate({ handle: 'cat' }), { code: 'SB_ERR_TOKEN_INVALID' });
  });

  test('spends one KDF run on an unknown handle, as on a wrong password', async () => {
    const { accounts } = setup();
    await accounts.register('dee', PASSWORD, origin);
    const runs = async (handle: string): Promise<number> => {
      const before = kdfStats.runs;
      await assert.rejects(accounts.login(handle, 'wrong password', origin), {
        code: 'SB_ERR_CREDENTIALS_INVALID',
      });
      return kdfStats.runs - before;
    };
    await runs('nobody'); // the dummy hash of this cost is made once
    assert.equal(await runs('dee'), 1, 'a wrong password: one KDF run');
    assert.equal(await runs('nobody'), 1, 'an unknown handle: one KDF run too');
  });
});
