/**
 * A node with the operator API and a server admin ready: `root` registers over HTTP, is made a
 * server admin on the node's store (as `switchboard admin grant` does) and creates API keys with
 * its session, the way an operator gets a first key without the CLI.
 */
import { startSwitchboard, type RunningSwitchboard } from '../../src/server/start-switchboard.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { StoreBackend } from '../../src/store/open-store.js';
import { api, type Api } from './api-client.js';

export const PASSWORD = 'correct horse battery';

export interface ApiFixture {
  server: RunningSwitchboard;
  store: StoreBackend;
  http: Api;
  /** The session token of `root`, a server admin. */
  rootToken: string;
  /** A new key with these scopes (all when absent), made by root; resolves the key. */
  key(scopes?: string[]): Promise<string>;
  /** Registers an account over HTTP; resolves its session token. */
  register(handle: string): Promise<string>;
}

export async function startApiNode(
  options: Record<string, unknown> = {},
  store: StoreBackend = new MemoryStore(),
): Promise<ApiFixture> {
  // As openStore does for a store it opens.
  await store.createChannel('room:general', 'room', 'system', Date.now());
  const server = await startSwitchboard(
    {
      port: 0,
      host: '127.0.0.1',
      web: false,
      logLevel: 'silent',
      shutdownTimeout: 500,
      ...options,
    },
    { store },
  );
  const http = api(server.url);
  const register = async (handle: string): Promise<string> => {
    const r = await http.post('/auth/register', { handle, password: PASSWORD });
    if (r.status !== 201) throw new Error(`register ${handle}: ${r.status} ${r.body.code}`);
    return r.body.token;
  };
  const rootToken = await register('root');
  await store.accounts.setRoles('root', ['admin']);
  const key = async (scopes = ['admin']): Promise<string> => {
    const r = await http.post('/api-keys', { name: `test ${scopes.join(' ')}`, scopes }, rootToken);
    if (r.status !== 201) throw new Error(`api-keys: ${r.status} ${r.body.code}`);
    return (r.body as unknown as { key: string }).key;
  };
  return { server, store, http, rootToken, key, register };
}
