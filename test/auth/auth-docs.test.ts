/**
 * Keeps docs/auth.md in step with the code it describes: the /api/v1/auth routes, the auth
 * settings and the defaults its tables state, the `--auth` modes, the KDF cost and password
 * bounds, the sign-in throttle and the error codes it names.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import type { AccountService } from '../../src/auth/accounts.js';
import { DEFAULT_COST, PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from '../../src/auth/password.js';
import { ERROR_CODES } from '../../src/errors.js';
import { addAuthRoutes } from '../../src/http/auth-routes.js';
import { addOidcRoutes } from '../../src/http/oidc-routes.js';
import type { ApiRouter } from '../../src/http/router.js';
import { longFlag, showDefault, type Setting } from '../../src/settings/setting.js';
import { AUTH_MODES, SETTINGS } from '../../src/settings/table.js';

const doc = readFileSync(resolve(import.meta.dirname, '../../docs/auth.md'), 'utf8');
/** The prose with its line breaks as spaces: phrases are found across wrapped lines. */
const flat = doc.replace(/\s+/g, ' ');

/** Auth settings documented elsewhere, and where. */
const ELSEWHERE: Record<string, string> = {
  apiKeyRate: 'docs/api.md (API keys)',
  apiKeyBurst: 'docs/api.md (API keys)',
};

/** `METHOD /api/v1/auth/...` of every route the auth and OIDC route builders register. */
function routes(): string[] {
  const seen: string[] = [];
  const router = {
    add(method: string, path: string) {
      seen.push(`${method} /api/v1${path.replace(/:(\w+)/g, '{$1}')}`);
      return router;
    },
  } as unknown as ApiRouter;
  const accounts = {} as AccountService;
  addAuthRoutes(router, accounts, { modes: ['guest', 'password'], oidc: null });
  addOidcRoutes(router, accounts, null);
  return seen;
}

const authSettings = Object.entries(SETTINGS as Record<string, Setting>).filter(
  ([, row]) => row.group === 'Auth',
);

describe('docs/auth.md', () => {
  test('names every /api/v1/auth route with its method, and no route the server lacks', () => {
    const all = routes();
    assert.ok(all.length >= 12, `only ${all.length} routes registered`);
    for (const route of all)
      assert.match(doc, new RegExp(`\`${route.replace(/[{}]/g, '\\$&')}[\` ]`), route);
    const named = doc.match(/`(GET|POST|PUT|PATCH|DELETE) \/api\/v1\/auth[^` ]*/g) ?? [];
    for (const mention of named) assert.ok(all.includes(mention.slice(1)), `${mention}: no route`);
  });

  test('documents every auth setting by its flag', () => {
    for (const [name, row] of authSettings) {
      if (ELSEWHERE[name]) continue;
      assert.ok(doc.includes(`\`${longFlag(row)}\``), `${name}: ${longFlag(row)} not in auth.md`);
    }
  });

  test('states in its settings tables the defaults of the settings table', () => {
    let checked = 0;
    for (const [name, row] of authSettings) {
      const line = doc.split('\n').find((l) => l.startsWith(`| \`${longFlag(row)}\``));
      const stated = line?.match(/\(default ([^:);][^);]*)[);]/)?.[1];
      if (stated === undefined) continue;
      checked++;
      const value = stated.replaceAll('`', '');
      assert.ok(showDefault(row).startsWith(value), `${name}: docs say ${value}`);
    }
    assert.ok(checked >= 5, `only ${checked} defaults stated`);
  });

  test('lists the --auth modes and their default', () => {
    for (const mode of AUTH_MODES)
      assert.match(doc, new RegExp(`^\\| [^|]*\`${mode}\``, 'm'), mode);
    assert.ok(flat.includes(`default \`${showDefault(SETTINGS.auth)}\``), 'the default modes');
  });

  test('states the KDF cost, the password bounds and the per-address throttle of the code', () => {
    const { N, r, p } = DEFAULT_COST;
    assert.ok(flat.includes(`N = 2^${Math.log2(N)}, r = ${r}, p = ${p}`), 'KDF cost');
    assert.ok(flat.includes(`**${(128 * N * r) / 2 ** 20} MiB**`), 'memory per hash');
    assert.ok(flat.includes(`${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes`), 'bounds');
    const burst = showDefault(SETTINGS.loginAddressBurst);
    const every = 1 / Number(showDefault(SETTINGS.loginAddressRate));
    assert.ok(flat.includes(`(burst ${burst}, then one per ${every} s`), 'address throttle');
  });

  test('names only error codes of the registry', () => {
    const known = new Set<string>(ERROR_CODES);
    for (const code of new Set(doc.match(/SB_ERR_[A-Z0-9_]+/g)))
      assert.ok(known.has(code), `${code} is not in src/errors.ts`);
  });
});
