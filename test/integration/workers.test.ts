import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';

describe('serve --workers 2', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startServer({ args: ['--workers', '2'] });
  });
  after(async () => {
    await server.dispose();
  });

  it('runs two worker nodes on one port that share rooms, DMs and presence', async () => {
    const clients: WsTestClient[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await WsTestClient.connect(server.wsUrl);
      await c.hello({ handle: `wk${i}` });
      clients.push(c);
    }
    // Connections are spread round-robin; both workers must be in use.
    const nodes = server.logs.filter((l) => l.includes('"worker listening"')).length;
    assert.equal(nodes, 2);
    await clients[0]!.call({ type: 'send', room: 'general', text: 'to every worker', cid: 'w1' });
    for (const c of clients.slice(1))
      await c.waitFor((f) => f.type === 'message' && f.text === 'to every worker');
    await clients[1]!.call({ type: 'send', to: 'wk4', text: 'across workers', cid: 'w2' });
    await clients[4]!.waitFor((f) => f.type === 'message' && f.text === 'across workers');
    const until = Date.now() + 5000;
    for (;;) {
      const data = await clients[5]!.call<{ users: { user: string }[] }>({ type: 'users' });
      if (data.users.length === 6) break;
      assert.ok(Date.now() < until, `presence sees all users: ${JSON.stringify(data.users)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const c of clients) c.close();
  });

  it('drains every worker on SIGTERM, telling clients to reconnect', async () => {
    const c = await WsTestClient.connect(server.wsUrl);
    await c.hello({ handle: 'drained' });
    const code = c.waitClosed(15_000);
    await server.stop();
    assert.equal(await code, 4000);
    assert.notEqual(server.process.exitCode, null);
  });
});
