/**
 * `switchboard admin api-key create|list|revoke`: an operator's way to issue HTTP API keys
 * (docs/api.md) on the store the servers use. A key acts for the server admin named by `--by`
 * (their server admin standing counts at each call); it is printed once, only its hash is kept.
 */
import type { Command } from 'commander';
import { SwitchboardError } from '../errors.js';
import { SERVER_ADMIN_ROLE } from '../core/permissions.js';
import { ApiKeys } from '../http/api/api-keys.js';
import { API_SCOPES, type ApiScope } from '../http/api/scopes.js';
import { addSettingOptions } from './setting-options.js';
import { ADMIN_SETTINGS, account, withStore } from './admin-store.js';
import type { StoreBackend } from '../store/open-store.js';

const keysOf = (store: StoreBackend): ApiKeys =>
  // The rate limit is the serving node's; the CLI only creates, lists and revokes.
  new ApiKeys({ store: store.apiKeys, rate: 1, burst: 1 });

function parseScopes(text: string): ApiScope[] {
  const scopes = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of scopes)
    if (!(API_SCOPES as readonly string[]).includes(s))
      throw new SwitchboardError(
        'SB_ERR_CONFIG_INVALID',
        `unknown scope '${s}' (one of ${API_SCOPES.join(', ')})`,
      );
  if (scopes.length === 0) throw new SwitchboardError('SB_ERR_CONFIG_INVALID', 'give --scopes');
  return scopes as ApiScope[];
}

export function registerApiKeys(admin: Command): void {
  const keys = admin.command('api-key').description('Issue, list and revoke HTTP API keys');
  addSettingOptions(
    keys
      .command('create')
      .description('create an API key and print it (shown once)')
      .requiredOption('--name <name>', 'what the key is for')
      .requiredOption('--scopes <list>', `comma-separated: ${API_SCOPES.join(',')}`)
      .requiredOption('--by <handle>', 'the server admin the key acts for'),
    ADMIN_SETTINGS,
  ).action((opts: { name: string; scopes: string; by: string }, cmd: Command) =>
    withStore(cmd, opts.by, async (store, handle) => {
      const scopes = parseScopes(opts.scopes);
      const by = await account(store, handle);
      if (!by.roles.includes(SERVER_ADMIN_ROLE))
        throw new SwitchboardError('SB_ERR_ADMIN_REQUIRED', `${by.handle} is not a server admin`);
      const made = await keysOf(store).create(opts.name, scopes, by.handle);
      return `${made.key}\nid ${made.id} (the key is shown only now)`;
    }),
  );
  addSettingOptions(keys.command('list').description('list API keys'), ADMIN_SETTINGS).action(
    (_opts: unknown, cmd: Command) =>
      withStore(cmd, undefined, async (store) => {
        const rows = await keysOf(store).list();
        return (
          rows
            .map(
              (k) =>
                `${k.id}\t${k.name}\t${k.scopes.join(',')}\tby ${k.createdBy}` +
                (k.revokedAt === null ? '' : '\trevoked'),
            )
            .join('\n') || '(no API keys)'
        );
      }),
  );
  addSettingOptions(
    keys.command('revoke <id>').description('revoke an API key'),
    ADMIN_SETTINGS,
  ).action((id: string, _opts: unknown, cmd: Command) =>
    withStore(cmd, undefined, async (store) => {
      if (!(await keysOf(store).revoke(id)))
        throw new SwitchboardError('SB_ERR_CONFIG_INVALID', `no live API key ${id}`);
      return `revoked ${id}`;
    }),
  );
}
