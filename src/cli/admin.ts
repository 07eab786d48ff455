/**
 * `switchboard admin grant|revoke|list`: an operator's way to make an account a server admin
 * (the `admin` server role of docs/permissions.md), on the store the servers use. Accounts only:
 * a guest handle is anyone's to claim once its session lapses, so it never holds a role. The
 * role is read at each hello: it applies to the user's next connection, not to open ones.
 */
import type { Command } from 'commander';
import { SERVER_ADMIN_ROLE } from '../core/permissions.js';
import { ADMIN_SETTINGS, account, withStore, type Act } from './admin-store.js';
import { registerApiKeys } from './api-keys.js';
import { addSettingOptions } from './setting-options.js';

const grant: Act = async (store, handle) => {
  const a = await account(store, handle);
  if (!a.roles.includes(SERVER_ADMIN_ROLE))
    await store.accounts.setRoles(a.handle, [...a.roles, SERVER_ADMIN_ROLE]);
  return `${a.handle} is a server admin from their next sign-in`;
};

const revoke: Act = async (store, handle) => {
  const a = await account(store, handle);
  await store.accounts.setRoles(
    a.handle,
    a.roles.filter((r) => r !== SERVER_ADMIN_ROLE),
  );
  return `${a.handle} is no longer a server admin from their next sign-in`;
};

const list: Act = async (store) => {
  const rows = await store.accounts.accountsWithRoles();
  return rows.map((r) => `${r.handle}\t${r.roles.join(' ')}`).join('\n') || '(no server roles)';
};

export function registerAdmin(program: Command): void {
  const admin = program
    .command('admin')
    .description('Give or take the server admin role of an account, on the servers\u2019 store');
  const sub = (name: string, description: string, act: Act, withHandle = true) =>
    addSettingOptions(
      admin.command(withHandle ? `${name} <handle>` : name).description(description),
      ADMIN_SETTINGS,
    ).action((...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      return withStore(cmd, withHandle ? (args[0] as string) : undefined, act);
    });
  sub('grant', 'make an account a server admin', grant);
  sub('revoke', 'take the server admin role from an account', revoke);
  sub('list', 'list the accounts with server roles', list, false);
  registerApiKeys(admin);
}
