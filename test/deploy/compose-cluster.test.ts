/**
 * deploy/compose/cluster.yaml's topology without containers: its three nodes, with the
 * environment the file gives them, run the image's command (`node dist/cli/main.js serve`) on
 * a real PostgreSQL and a real Redis, behind nginx running deploy/compose/nginx.conf with the
 * node names pointed at loopback. Clients chat across the nodes through nginx; a node stopped
 * with SIGTERM closes its clients with 4000, and they come back through nginx to the others.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  freePort,
  removeDir,
  requireBinary,
  tempDir,
  type Broker,
  type Proc,
} from '../helpers/brokers/common.js';
import { postgresBinary, startPostgres } from '../helpers/brokers/postgres.js';
import { redisBinary, startRedis } from '../helpers/brokers/redis.js';
import { startNginx } from '../helpers/nginx.js';
import { WsTestClient } from '../helpers/ws-client.js';

const ROOT = resolve(import.meta.dirname, '../..');
const nginx = requireBinary('nginx', ['/usr/sbin']);
const skip = nginx.skip || postgresBinary().skip || redisBinary().skip;

interface Node {
  name: string;
  port: number;
  proc: ChildProcess;
}

type Service = { environment: Record<string, string>; build?: unknown };

function stop(
  child: ChildProcess | null,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(child?.exitCode ?? null);
  return new Promise((res) => {
    child.once('exit', (code) => res(code));
    child.kill(signal);
  });
}

async function connections(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^switchboard_connections (\d+)/m.exec(text)?.[1] ?? 0);
}

describe('deploy/compose/cluster.yaml, run without containers', { skip }, () => {
  let dir = '';
  let postgres: Broker | null = null;
  let redis: Broker | null = null;
  let proxy: Proc | null = null;
  let nginxPort = 0;
  const nodes: Node[] = [];
  const clients: WsTestClient[] = [];

  before(async () => {
    dir = tempDir('compose-cluster');
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    const file = readFileSync(join(ROOT, 'deploy/compose/cluster.yaml'), 'utf8');
    const services = (
      parseAllDocuments(file, { merge: true })[0]!.toJS() as { services: Record<string, Service> }
    ).services;
    const started = Object.entries(services)
      .filter(([, service]) => service.build)
      .map(async ([name, service]) => {
        const env = service.environment;
        // The service names of the file are loopback here; everything else is the file's.
        assert.match(env.SWITCHBOARD_STORE!, /^postgres:\/\//);
        assert.match(env.SWITCHBOARD_BUS!, /^redis:\/\//);
        const port = await freePort();
        const proc = spawn(process.execPath, ['dist/cli/main.js', 'serve'], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'inherit'],
          env: {
            ...process.env,
            ...env,
            SWITCHBOARD_STORE: postgres!.url,
            SWITCHBOARD_BUS: redis!.url,
            SWITCHBOARD_HOST: '127.0.0.1',
            SWITCHBOARD_DATA_DIR: join(dir, name),
            PORT: String(port),
          },
        });
        await new Promise<void>((res, rej) => {
          const t = setTimeout(() => rej(new Error(`${name} did not start`)), 30_000);
          proc.once('exit', (code) => rej(new Error(`${name} exited with ${code}`)));
          createInterface({ input: proc.stdout }).on('line', (line) => {
            if ((JSON.parse(line) as { msg?: string }).msg === 'listening') {
              clearTimeout(t);
              res();
            }
          });
        });
        nodes.push({ name, port, proc });
      });
    await Promise.all(started);
    nodes.sort((a, b) => a.name.localeCompare(b.name));
    let conf = readFileSync(join(ROOT, 'deploy/compose/nginx.conf'), 'utf8').replace(
      /\/tmp\//g,
      `${dir}/`,
    );
    for (const node of nodes)
      conf = conf.replace(`server ${node.name}:8080`, `server 127.0.0.1:${node.port}`);
    const front = await startNginx(nginx.path, join(dir, 'nginx.conf'), dir, (port) =>
      conf.replace(/listen 8000;/, `listen 127.0.0.1:${port};`),
    );
    nginxPort = front.port;
    proxy = front.proc;
  });

  after(async () => {
    for (const c of clients) c.close();
    await proxy?.stop('SIGQUIT');
    await Promise.all(nodes.map((n) => stop(n.proc)));
    await Promise.all([postgres?.dispose(), redis?.dispose()]);
    removeDir(dir);
  });

  it('starts the three nodes of the file at once on one PostgreSQL', () => {
    assert.deepEqual(
      nodes.map((n) => n.name),
      ['sb1', 'sb2', 'sb3'],
    );
  });

  it('spreads clients over every node through nginx, and a room message reaches all of them', async () => {
    for (let i = 0; i < 9; i++) {
      const c = await WsTestClient.connect(`ws://127.0.0.1:${nginxPort}/ws`);
      await c.hello({ handle: `cc${i}` });
      clients.push(c);
    }
    const counts = await Promise.all(nodes.map((n) => connections(n.port)));
    assert.ok(
      counts.every((n) => n > 0),
      `every node holds connections: ${counts.join(', ')}`,
    );
    await clients[0]!.call({
      type: 'send',
      room: 'general',
      text: 'across the cluster',
      cid: 'cc1',
    });
    for (const c of clients.slice(1))
      await c.waitFor((f) => f.type === 'message' && f.text === 'across the cluster');
  });

  it('drains a node on SIGTERM: its clients close with 4000 and come back through nginx to the others', async () => {
    const sb2 = nodes.find((n) => n.name === 'sb2')!;
    const held = await connections(sb2.port);
    assert.ok(held > 0);
    assert.equal(await stop(sb2.proc), 0, 'the node drains and exits 0');
    // The close frames may still be on their way through nginx; the others stay open.
    const codes = await Promise.all(clients.map((c) => c.waitClosed(3000).catch(() => null)));
    const drained = clients.filter((_, i) => codes[i] === 4000);
    assert.equal(drained.length, held, 'every client of the node was closed with 4000');
    assert.equal(codes.filter((code) => code === null).length, clients.length - held);
    const back: WsTestClient[] = [];
    for (let i = 0; i < drained.length; i++) {
      const c = await WsTestClient.connect(`ws://127.0.0.1:${nginxPort}/ws`);
      await c.hello({ handle: `back${i}` });
      back.push(c);
      clients.push(c);
    }
    const survivor = clients.find((c) => c.closeCode === null && !back.includes(c))!;
    await survivor.call({ type: 'send', room: 'general', text: 'after the drain', cid: 'cc2' });
    for (const c of back)
      await c.waitFor((f) => f.type === 'message' && f.text === 'after the drain');
  });
});
