/**
 * The operator API across a cluster: two node processes on the mesh bus (no broker needed) and
 * a shared SQLite store; a key made with `switchboard admin api-key create` works on either
 * node, and a message posted over HTTP to one node reaches a socket client on the other.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/brokers/common.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';
import { nodeArgs } from './suite.js';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');

async function admin(
  dataDir: string,
  ...args: string[]
): Promise<{ code: number | null; out: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'admin', ...args, '--data-dir', dataDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { code, out };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the operator API on a two-node mesh cluster', () => {
  let dataDir: string;
  let nodes: ServerHandle[] = [];
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-api-cluster-'));
    const ports = [await freePort(), await freePort()];
    nodes = await Promise.all(
      [0, 1].map(async (i) =>
        startServer({ dataDir, args: await nodeArgs({ bus: 'mesh', nodes: 2 }, i, ports) }),
      ),
    );
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  let key = '';
  const call = (node: ServerHandle, method: string, path: string, body?: unknown) =>
    fetch(`${node.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const register = async (node: ServerHandle, handle: string): Promise<string> => {
    const res = await fetch(`${node.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle, password: 'correct horse battery' }),
    });
    assert.equal(res.status, 201);
    return ((await res.json()) as { token: string }).token;
  };

  test('an API post to one node reaches a socket client on the other node', async () => {
    await register(nodes[0]!, 'root');
    assert.equal((await admin(dataDir, 'grant', 'root')).code, 0);
    const made = await admin(
      dataDir,
      'api-key',
      'create',
      '--name',
      'ops',
      '--scopes',
      'messages:write,presence:read,users:write',
      '--by',
      'root',
    );
    assert.equal(made.code, 0);
    key = made.out.split('\n')[0]!;
    assert.match(key, /^sbk_/);

    const annToken = await register(nodes[1]!, 'ann');
    const ann = await WsTestClient.connect(nodes[1]!.wsUrl);
    await ann.hello({ token: annToken });
    // Node 0 sees ann online through the bus: the nodes are linked.
    await until(async () => {
      const p = (await (await call(nodes[0]!, 'GET', '/presence')).json()) as {
        users: { user: string }[];
      };
      return p.users.some((u) => u.user === 'ann');
    }, 'node 0 sees ann online');
    const posted = await call(nodes[0]!, 'POST', '/rooms/general/messages?as=root', {
      text: 'from the backend',
    });
    assert.equal(posted.status, 201);
    const seen = await ann.waitFor((m) => m.type === 'message' && m.text === 'from the backend');
    assert.equal(seen.from, 'root');
    assert.equal(seen.channel, 'room:general');
    ann.close();
  });

  test('presence over the API counts users per node, from any node', async () => {
    const token = await register(nodes[1]!, 'bea');
    const bea = await WsTestClient.connect(nodes[1]!.wsUrl);
    await bea.hello({ token });
    const nodesSeen = async () =>
      (
        (await (await call(nodes[0]!, 'GET', '/presence')).json()) as {
          nodes: { node: string; users: number; connections: number }[];
        }
      ).nodes;
    await until(
      async () => JSON.stringify(await nodesSeen()).includes('"node":"n1","users":1'),
      'node 0 sees bea counted on n1',
    );
    assert.deepEqual(await nodesSeen(), [
      { node: 'n0', users: 0, connections: 0 },
      { node: 'n1', users: 1, connections: 1 },
    ]);
    bea.close();
  });

  test('disconnecting a user through one node closes their socket on the other with 4101', async () => {
    const token = await register(nodes[1]!, 'cy');
    const cy = await WsTestClient.connect(nodes[1]!.wsUrl);
    await cy.hello({ token });
    assert.equal((await call(nodes[0]!, 'POST', '/users/cy/disconnect')).status, 204);
    assert.equal(await cy.waitClosed(), 4101);
  });
});
