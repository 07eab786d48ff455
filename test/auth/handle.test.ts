import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HandleAuthenticator } from '../../src/auth/handle.js';
import { SwitchboardError } from '../../src/errors.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { authConformance } from './conformance.js';

authConformance('HandleAuthenticator on MemoryStore', {
  async create({ ttlMs, now }) {
    return new HandleAuthenticator({ sessions: new MemoryStore(), ttlMs, now });
  },
});

const dir = mkdtempSync(join(tmpdir(), 'switchboard-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let open: SqliteStore | null = null;
let files = 0;

authConformance('HandleAuthenticator on SqliteStore', {
  async create({ ttlMs, now }) {
    open = new SqliteStore(join(dir, `auth-${++files}.db`));
    return new HandleAuthenticator({ sessions: open, ttlMs, now });
  },
  async cleanup() {
    await open?.close();
    open = null;
  },
});

describe('HandleAuthenticator', () => {
  it('stores only the SHA-256 hex of a 32-byte base64url token, never the token', async () => {
    const sessions = new MemoryStore();
    const auth = new HandleAuthenticator({ sessions, ttlMs: 1000, now: () => 5 });
    const { token } = await auth.authenticate({ handle: 'ann' });
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await sessions.sessionsByHandle('ann'), [
      {
        handle: 'ann',
        tokenHash: createHash('sha256').update(token).digest('hex'),
        createdAt: 5,
        expiresAt: 1005,
      },
    ]);
  });

  it('treats a session expiring exactly now as expired', async () => {
    let clock = 0;
    const auth = new HandleAuthenticator({
      sessions: new MemoryStore(),
      ttlMs: 100,
      now: () => clock,
    });
    const { token } = await auth.authenticate({ handle: 'ann' });
    clock = 100;
    await assert.rejects(auth.authenticate({ token }), { code: 'SB_ERR_TOKEN_EXPIRED' });
    assert.equal((await auth.authenticate({ handle: 'ann' })).user, 'ann');
  });

  it('rejects a hello with neither handle nor token with SB_ERR_HANDLE_INVALID', async () => {
    const auth = new HandleAuthenticator({ sessions: new MemoryStore(), ttlMs: 100 });
    await assert.rejects(auth.authenticate({}), { code: 'SB_ERR_HANDLE_INVALID' });
  });

  it('passes a session store failure through with its code', async () => {
    const sessions = new SqliteStore(':memory:');
    await sessions.close();
    const auth = new HandleAuthenticator({ sessions, ttlMs: 100 });
    await assert.rejects(auth.authenticate({ handle: 'ann' }), {
      code: 'SB_ERR_STORE_UNAVAILABLE',
    });
  });

  it('calls onReclaim once when an expired handle is claimed by someone new, never otherwise', async () => {
    let clock = 0;
    const reclaimed: string[] = [];
    const auth = new HandleAuthenticator({
      sessions: new MemoryStore(),
      ttlMs: 100,
      now: () => clock,
      onReclaim: async (handle) => {
        reclaimed.push(handle);
      },
    });
    const first = await auth.authenticate({ handle: 'ann' });
    await assert.rejects(auth.authenticate({ handle: 'ANN' }), { code: 'SB_ERR_HANDLE_TAKEN' });
    clock = 50;
    await auth.authenticate({ token: first.token });
    assert.deepEqual(reclaimed, []);
    clock = 200;
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => auth.authenticate({ handle: 'ann' })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.deepEqual(reclaimed, ['ann']);
  });

  it('gives the handle up again when onReclaim fails, so the next claimant forgets again', async () => {
    let clock = 0;
    let fail = true;
    const reclaimed: string[] = [];
    const sessions = new MemoryStore();
    const auth = new HandleAuthenticator({
      sessions,
      ttlMs: 100,
      now: () => clock,
      onReclaim: async (handle) => {
        reclaimed.push(handle);
        if (fail) throw new SwitchboardError('SB_ERR_STORE_UNAVAILABLE', 'down');
      },
    });
    await auth.authenticate({ handle: 'ann' });
    clock = 100;
    await assert.rejects(auth.authenticate({ handle: 'ann' }), {
      code: 'SB_ERR_STORE_UNAVAILABLE',
    });
    fail = false;
    const again = await auth.authenticate({ handle: 'ann' });
    assert.equal(again.user, 'ann');
    assert.deepEqual(reclaimed, ['ann', 'ann']);
    assert.equal((await auth.authenticate({ token: again.token })).user, 'ann');
  });

  it('refuses a token whose handle was claimed by someone new while it resumed, with SB_ERR_TOKEN_EXPIRED', async () => {
    const sessions = new PausingStore();
    let clock = 0;
    const a = new HandleAuthenticator({ sessions, ttlMs: 100, now: () => clock });
    const b = new HandleAuthenticator({ sessions, ttlMs: 100, now: () => clock + 1 });
    const ann = await a.authenticate({ handle: 'ann' });
    // Node a resumes 1 ms before the session expires; node b's clock already says it expired.
    clock = 99;
    const rival: { token?: Promise<string> } = {};
    sessions.afterRead = async () => {
      rival.token = b.authenticate({ handle: 'ann' }).then((id) => id.token);
      await rival.token;
    };
    await assert.rejects(a.authenticate({ token: ann.token }), { code: 'SB_ERR_TOKEN_EXPIRED' });
    assert.ok(rival.token, 'the rival claimed during the resume');
    assert.equal((await b.authenticate({ token: await rival.token })).user, 'ann');
    await assert.rejects(b.authenticate({ token: ann.token }), {
      code: 'SB_ERR_TOKEN_INVALID',
    });
  });
});

/** A MemoryStore that runs `afterRead` once, between a token lookup and its answer. */
class PausingStore extends MemoryStore {
  afterRead: (() => Promise<void>) | null = null;
  override async sessionByTokenHash(
    tokenHash: string,
  ): ReturnType<MemoryStore['sessionByTokenHash']> {
    const session = await super.sessionByTokenHash(tokenHash);
    const hook = this.afterRead;
    this.afterRead = null;
    await hook?.();
    return session;
  }
}
