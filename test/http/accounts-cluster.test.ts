/**
 * Accounts on two nodes sharing one store (a SQLite file; PostgreSQL when its binaries are
 * installed) and one bus (a MemoryHub): a revoke on one node closes the session's connection on
 * the other within a second, and of two registers of one handle on the two nodes exactly one
 * wins.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MemoryBus, MemoryHub } from '../../src/bus/memory.js';
import { startSwitchboard, type RunningSwitchboard } from '../../src/server/start-switchboard.js';
import { describeWithPostgres } from '../store/backends.js';
import { WsTestClient } from '../helpers/ws-client.js';
import { api } from './api-client.js';

const PASSWORD = 'correct horse battery';

async function twoNodes(store: string): Promise<[RunningSwitchboard, RunningSwitchboard]> {
  const hub = new MemoryHub();
  const node = (id: string) =>
    startSwitchboard(
      { port: 0, host: '127.0.0.1', store, web: false, logLevel: 'silent', shutdownTimeout: 500 },
      { bus: new MemoryBus(hub, id) },
    );
  return [await node('a'), await node('b')];
}

function clusterCases(storeUrl: () => Promise<string>): void {
  test('revoking a session on node A closes its connection on node B with 4101 within 1 s', async () => {
    const [a, b] = await twoNodes(await storeUrl());
    try {
      const reg = await api(a.url).post('/auth/register', { handle: 'ann', password: PASSWORD });
      const phone = await api(b.url).post('/auth/login', { handle: 'ann', password: PASSWORD });
      const onB = await WsTestClient.connect(b.wsUrl);
      await onB.hello({ token: phone.body.token });
      const list = await api(a.url).call('GET', '/auth/sessions', undefined, reg.body.token);
      const id = list.body.sessions.find((s) => !s.current)!.id;
      const started = Date.now();
      const del = await api(a.url).call(
        'DELETE',
        `/auth/sessions/${id}`,
        undefined,
        reg.body.token,
      );
      assert.equal(del.status, 204);
      assert.equal(await onB.waitClosed(1000), 4101);
      assert.ok(Date.now() - started < 1000);
      const again = await WsTestClient.connect(b.wsUrl);
      const refused = await again.request({ type: 'hello', protocol: 1, token: phone.body.token });
      assert.equal(refused.code, 'SB_ERR_TOKEN_INVALID');
      again.close();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('of two registers racing for one handle on two nodes exactly one gets 201, the other SB_ERR_HANDLE_TAKEN', async () => {
    const [a, b] = await twoNodes(await storeUrl());
    try {
      for (let round = 0; round < 5; round++) {
        const handle = `race${round}`;
        const answers = await Promise.all(
          [a, b].map((n) => api(n.url).post('/auth/register', { handle, password: PASSWORD })),
        );
        assert.deepEqual(answers.map((r) => r.status).sort(), [201, 409], handle);
        assert.equal(answers.find((r) => r.status === 409)!.body.code, 'SB_ERR_HANDLE_TAKEN');
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
}

describe('accounts on two nodes sharing a SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-accounts-cluster-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  clusterCases(async () => `sqlite:${join(dir, `db-${++files}.db`)}`);
});

describeWithPostgres('accounts on two nodes sharing PostgreSQL', (server) => {
  clusterCases(() => server().freshUrl());
});
