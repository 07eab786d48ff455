/**
 * Conformance cases of the API key seam (src/store/api-key-store.ts): keys found by hash until
 * revoked, unique ids and hashes, and the call log newest first, paged and filtered by key.
 */
import assert from 'node:assert/strict';
import type { ApiKey } from '../../../src/store/store.js';
import { T0, type StoreCase } from './helpers.js';

const key = (over: Partial<ApiKey> = {}): ApiKey => ({
  id: 'k1',
  name: 'backend',
  scopes: ['messages:write', 'rooms:read'],
  keyHash: 'a'.repeat(64),
  createdBy: 'ann',
  createdAt: T0,
  revokedAt: null,
  ...over,
});

export const API_KEY_CASES: Record<string, StoreCase> = {
  'api-keys': {
    title: 'keeps API keys by hash until revoked, with unique ids and hashes, revoked ones listed',
    async run({ open }) {
      const keys = (await open()).apiKeys;
      assert.equal(await keys.createKey(key()), true);
      assert.equal(await keys.createKey(key({ keyHash: 'b'.repeat(64) })), false, 'same id');
      assert.equal(await keys.createKey(key({ id: 'k2' })), false, 'same hash');
      assert.equal(
        await keys.createKey(key({ id: 'k2', keyHash: 'c'.repeat(64), scopes: [] })),
        true,
      );
      assert.deepEqual(await keys.keyByHash('a'.repeat(64)), key());
      assert.equal(await keys.keyByHash('d'.repeat(64)), null);
      assert.equal(await keys.revokeKey('k1', T0 + 5), true);
      assert.equal(await keys.revokeKey('k1', T0 + 6), false, 'revoked already');
      assert.equal(await keys.revokeKey('nope', T0), false);
      assert.equal((await keys.keyByHash('a'.repeat(64)))?.revokedAt, T0 + 5);
      assert.deepEqual(
        (await keys.keys()).map((k) => [k.id, k.revokedAt, k.scopes]),
        [
          ['k1', T0 + 5, ['messages:write', 'rooms:read']],
          ['k2', null, []],
        ],
      );
    },
  },
  'api-calls': {
    title: 'logs API calls newest first, paged by id and filtered by key',
    async run({ open }) {
      const keys = (await open()).apiKeys;
      for (let i = 0; i < 5; i++) {
        await keys.appendCall({
          keyId: i % 2 === 0 ? 'k1' : 'k2',
          method: 'POST',
          path: `/api/v1/rooms/r${i}/messages`,
          status: 200 + i,
          ts: T0 + i,
        });
      }
      const all = await keys.calls({ limit: 10 });
      assert.deepEqual(
        all.map((c) => c.status),
        [204, 203, 202, 201, 200],
      );
      assert.ok(
        all.every((c, i) => i === 0 || c.id < all[i - 1]!.id),
        'ids increase with time',
      );
      assert.deepEqual(all[0], {
        id: all[0]!.id,
        keyId: 'k1',
        method: 'POST',
        path: '/api/v1/rooms/r4/messages',
        status: 204,
        ts: T0 + 4,
      });
      const page = await keys.calls({ limit: 2, before: all[1]!.id });
      assert.deepEqual(
        page.map((c) => c.status),
        [202, 201],
      );
      assert.deepEqual(
        (await keys.calls({ limit: 10, keyId: 'k2' })).map((c) => c.status),
        [203, 201],
      );
    },
  },
};
