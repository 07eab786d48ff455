import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SwitchboardError } from '../../src/errors.js';
import { resolveSettings, type SettingSources } from '../../src/settings/resolve.js';
import { SETTINGS } from '../../src/settings/table.js';

const resolve = (sources: SettingSources) => resolveSettings(SETTINGS, sources);

describe('the auth setting', () => {
  test('keeps the names outside checks rely on: --auth, SWITCHBOARD_AUTH, key auth', () => {
    assert.equal(SETTINGS.auth.flag, '--auth <modes>');
    assert.equal(SETTINGS.auth.env, 'SWITCHBOARD_AUTH');
  });

  test('defaults to guest,password so the quick start lets newcomers sign up or be guests', () => {
    assert.deepEqual(resolve({}).auth, ['guest', 'password']);
  });

  test('reads a comma list from the flag, the env var and a config file', () => {
    assert.deepEqual(resolve({ flags: { auth: 'password, jwt' } }).auth, ['password', 'jwt']);
    assert.deepEqual(resolve({ env: { SWITCHBOARD_AUTH: 'guest,webhook,oidc' } }).auth, [
      'guest',
      'webhook',
      'oidc',
    ]);
    const typed = { describe: (k: string) => `sb.json: ${k}`, values: { auth: ['password'] } };
    assert.deepEqual(resolve({ typed }).auth, ['password']);
  });

  test('refuses an unknown, repeated or empty mode list with SB_ERR_CONFIG_INVALID', () => {
    for (const value of ['guest,magic', 'guest,guest', ',']) {
      assert.throws(
        () => resolve({ env: { SWITCHBOARD_AUTH: value } }),
        (err: unknown) => err instanceof SwitchboardError && err.code === 'SB_ERR_CONFIG_INVALID',
        value,
      );
    }
  });
});
