/** A node with webhooks on, on a MemoryStore the test can reach, and a server admin's token. */
import { startSwitchboard, type RunningSwitchboard } from '../../src/server/start-switchboard.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { api, type Api } from '../http/api-client.js';

export interface HookNode {
  server: RunningSwitchboard;
  store: MemoryStore;
  http: Api;
  /** A server admin's session token. */
  admin: string;
}

export async function startHookNode(options: Record<string, unknown> = {}): Promise<HookNode> {
  const store = new MemoryStore();
  const asStore: Store = store;
  await asStore.createChannel('room:general', 'room', 'system', Date.now());
  const server = await startSwitchboard(
    {
      port: 0,
      host: '127.0.0.1',
      web: false,
      logLevel: 'silent',
      shutdownTimeout: 500,
      rateLimit: 1000,
      rateBurst: 1000,
      webhooks: true,
      webhookAllow: ['127.0.0.1'],
      webhookRetryMs: 20,
      webhookTimeoutMs: 300,
      webhookLeaseMs: 600,
      ...options,
    },
    { store },
  );
  const http = api(server.url);
  const reg = await http.post('/auth/register', {
    handle: 'root',
    password: 'correct horse battery',
  });
  await store.accounts.setRoles('root', ['admin']);
  return { server, store, http, admin: reg.body.token };
}
