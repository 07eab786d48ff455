/** What the `switchboard admin` commands share: opening the servers' store, finding an account. */
import type { Command } from 'commander';
import { SwitchboardError } from '../errors.js';
import { HANDLE_RE } from '../protocol/frames.js';
import { openStore, type StoreBackend } from '../store/open-store.js';
import { SETTINGS } from '../settings/table.js';
import { settingsFrom } from './setting-options.js';

export const ADMIN_SETTINGS = { store: SETTINGS.store, dataDir: SETTINGS.dataDir };

export type Act = (store: StoreBackend, handle: string | undefined) => Promise<string>;

export async function withStore(cmd: Command, handle: string | undefined, act: Act): Promise<void> {
  const { store: url, dataDir } = settingsFrom(cmd, ADMIN_SETTINGS);
  const store = await openStore(url, { dataDir });
  try {
    process.stdout.write(`${await act(store, handle?.toLowerCase())}\n`);
  } finally {
    await store.close();
  }
}

export async function account(store: StoreBackend, handle: string | undefined) {
  if (handle === undefined || !HANDLE_RE.test(handle))
    throw new SwitchboardError('SB_ERR_HANDLE_INVALID', `not a handle: ${String(handle)}`);
  const found = await store.accounts.accountByHandle(handle);
  if (!found)
    throw new SwitchboardError(
      'SB_ERR_USER_NOT_FOUND',
      `no account '${handle}' (a guest must sign up or upgrade first)`,
    );
  return found;
}
