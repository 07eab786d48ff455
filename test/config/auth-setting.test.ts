import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { oidcSettings } from '../../src/auth/oidc-settings.js';
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

describe('the OIDC settings', () => {
  const oidc = (values: Record<string, string>) => oidcSettings(resolve({ env: values }));
  const full = {
    SWITCHBOARD_OIDC_ISSUER: 'https://id.example.com',
    SWITCHBOARD_OIDC_CLIENT_ID: 'switchboard',
    SWITCHBOARD_OIDC_CLIENT_SECRET: 'a secret',
    SWITCHBOARD_OIDC_REDIRECT_URL: 'https://chat.example.com/api/v1/auth/oidc/callback',
  };
  const configInvalid = (err: unknown) =>
    err instanceof SwitchboardError && err.code === 'SB_ERR_CONFIG_INVALID';

  test('keeps the names of the issue: --oidc-issuer, --oidc-client-id, --oidc-client-secret', () => {
    assert.equal(SETTINGS.oidcIssuer.flag, '--oidc-issuer <url>');
    assert.equal(SETTINGS.oidcClientId.flag, '--oidc-client-id <id>');
    assert.equal(SETTINGS.oidcClientSecret.flag, '--oidc-client-secret <secret>');
    assert.equal(SETTINGS.oidcIssuer.env, 'SWITCHBOARD_OIDC_ISSUER');
  });

  test('is off without an issuer, and on with one whether or not --auth lists oidc', () => {
    assert.equal(oidc({}), null);
    const on = oidc(full);
    assert.equal(on?.oidcScopes, 'openid profile email');
    assert.equal(on?.oidcName, 'SSO');
  });

  test('refuses oidc in --auth without an issuer with SB_ERR_CONFIG_INVALID', () => {
    assert.throws(() => oidc({ SWITCHBOARD_AUTH: 'guest,oidc' }), configInvalid);
  });

  test('refuses an issuer without client id, secret or redirect URL, or with plain http', () => {
    for (const missing of Object.keys(full).slice(1)) {
      assert.throws(() => oidc({ ...full, [missing]: '' }), configInvalid, missing);
    }
    const remote = { ...full, SWITCHBOARD_OIDC_ISSUER: 'http://id.example.com' };
    assert.throws(() => oidc(remote), configInvalid);
    assert.ok(oidc({ ...full, SWITCHBOARD_OIDC_ISSUER: 'http://127.0.0.1:9000' }));
    assert.throws(() => oidc({ ...full, SWITCHBOARD_OIDC_SCOPES: 'profile' }), configInvalid);
  });
});
