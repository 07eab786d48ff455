import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Authenticator, Credentials } from '../../src/auth/authenticator.js';
import { AccountAuthenticator } from '../../src/auth/account-authenticator.js';
import { AccountService } from '../../src/auth/accounts.js';
import { SessionChain } from '../../src/auth/session-chain.js';
import { HandleAuthenticator } from '../../src/auth/handle.js';
import { LoginThrottle } from '../../src/auth/login-throttle.js';
import { SwitchboardError } from '../../src/errors.js';
import { MemoryStore } from '../../src/store/memory.js';
import { authConformance } from './conformance.js';

// The chain `--auth guest,password` builds (src/server/authenticators.ts) keeps every guest
// guarantee of the Authenticator seam.
authConformance('SessionChain of accounts and guests on MemoryStore', {
  async create({ ttlMs, now }) {
    const store = new MemoryStore();
    const accounts = new AccountService({
      accounts: store.accounts,
      sessions: store,
      throttle: new LoginThrottle(),
      ttlMs,
      onRevoke: () => {},
      now,
    });
    return new SessionChain(
      [
        new AccountAuthenticator(accounts),
        new HandleAuthenticator({ sessions: store, ttlMs, now }),
      ],
      { guests: true },
    );
  },
});

/** Knows one token; anything else is not its business (SB_ERR_TOKEN_INVALID). */
const knows = (token: string, user: string, exists = false): Authenticator => ({
  async authenticate(c: Credentials) {
    if (c.token !== token) throw new SwitchboardError('SB_ERR_TOKEN_INVALID');
    return { user, token, expiresAt: 1 };
  },
  async exists() {
    return exists;
  },
});

describe('SessionChain', () => {
  test('asks each authenticator in turn until one knows the token', async () => {
    const chain = new SessionChain([knows('a', 'ann'), knows('b', 'bob', true)], {
      guests: true,
    });
    assert.equal((await chain.authenticate({ token: 'b' })).user, 'bob');
    await assert.rejects(chain.authenticate({ token: 'c' }), { code: 'SB_ERR_TOKEN_INVALID' });
    assert.equal(await chain.exists('anyone'), true);
  });

  test('answers the first error that is not SB_ERR_TOKEN_INVALID', async () => {
    const expired: Authenticator = {
      authenticate: () => Promise.reject(new SwitchboardError('SB_ERR_TOKEN_EXPIRED')),
      exists: async () => false,
    };
    const chain = new SessionChain([expired, knows('a', 'ann')], { guests: true });
    await assert.rejects(chain.authenticate({ token: 'a' }), { code: 'SB_ERR_TOKEN_EXPIRED' });
  });

  test('refuses hello {handle} with SB_ERR_GUESTS_DISABLED when guests are off', async () => {
    const chain = new SessionChain([knows('a', 'ann')], { guests: false });
    await assert.rejects(chain.authenticate({ handle: 'zed' }), { code: 'SB_ERR_GUESTS_DISABLED' });
    assert.equal((await chain.authenticate({ token: 'a', handle: 'zed' })).user, 'ann');
  });
});

describe('LoginThrottle', () => {
  test('lets a burst through per account, then throttles with the ms until the next attempt', () => {
    let now = 0;
    const throttle = new LoginThrottle({ accountRate: 1, accountBurst: 3, now: () => now });
    for (let i = 0; i < 3; i++) throttle.attempt('10.0.0.1', 'ann');
    assert.throws(() => throttle.attempt('10.0.0.2', 'ann'), {
      code: 'SB_ERR_LOGIN_THROTTLED',
      retryAfter: 1000,
    });
    throttle.attempt('10.0.0.1', 'bob');
    now = 1000;
    throttle.attempt('10.0.0.3', 'ann');
  });

  test('throttles an address trying many accounts, and keeps at most maxKeys buckets', () => {
    const throttle = new LoginThrottle({
      addressRate: 1,
      addressBurst: 2,
      maxKeys: 4,
      now: () => 0,
    });
    throttle.attempt('10.0.0.9', 'a');
    throttle.attempt('10.0.0.9', 'b');
    assert.throws(() => throttle.attempt('10.0.0.9', 'c'), { code: 'SB_ERR_LOGIN_THROTTLED' });
    for (let i = 0; i < 100; i++) throttle.attempt(`10.1.0.${i}`);
  });
});
