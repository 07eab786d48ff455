/**
 * deploy/nginx.conf for real: `switchboard cluster --nodes 2` behind nginx on loopback, clients
 * connecting through nginx (WebSocket upgrade), spread over both nodes, chatting.
 */
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import {
  portFree,
  removeDir,
  requireBinary,
  tempDir,
  type Proc,
} from '../helpers/brokers/common.js';
import { startNginx } from '../helpers/nginx.js';
import { WsTestClient } from '../helpers/ws-client.js';

const nginx = requireBinary('nginx', ['/usr/sbin']);
const ROOT = resolve(import.meta.dirname, '../..');

/**
 * A base port P with P, P+1 (nodes) and P+1000, P+1001 (mesh) free, all below the kernel's
 * ephemeral range (32768 and up) and above nginx's (test/helpers/nginx.ts).
 */
async function basePort(): Promise<number> {
  for (;;) {
    const p = 20_000 + Math.floor(Math.random() * 11_000);
    const probes = await Promise.all([p, p + 1, p + 1000, p + 1001].map(portFree));
    if (probes.every(Boolean)) return p;
  }
}

function stop(child: ChildProcess | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    child.once('exit', () => res());
    child.kill(signal);
  });
}

describe('deploy/nginx.conf in front of switchboard cluster', { skip: nginx.skip }, () => {
  let dir = '';
  let cluster: ChildProcess | null = null;
  let proxy: Proc | null = null;
  let nginxPort = 0;
  let base = 0;

  before(async () => {
    dir = tempDir('nginx');
    base = await basePort();
    cluster = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli/main.ts'),
        'cluster',
        '--nodes',
        '2',
        '--port',
        String(base),
        '--data-dir',
        join(dir, 'data'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORT: '' } },
    );
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error('cluster did not start')), 30_000);
      createInterface({ input: cluster!.stdout! }).on('line', (line) => {
        if (line.includes('"cluster listening"')) {
          clearTimeout(t);
          res();
        }
      });
    });
    // The committed config, pointed at this test's ports.
    const template = readFileSync(join(ROOT, 'deploy/nginx.conf'), 'utf8')
      .replace(/server 127\.0\.0\.1:8080/, `server 127.0.0.1:${base}`)
      .replace(/server 127\.0\.0\.1:8081/, `server 127.0.0.1:${base + 1}`)
      .replace(/\s*server 127\.0\.0\.1:8082[^;]*;/, '');
    mkdirSync(join(dir, 'nginx'), { recursive: true });
    const started = await startNginx(
      nginx.path,
      join(dir, 'nginx/nginx.conf'),
      join(dir, 'nginx'),
      (port) => template.replace(/listen 8000;/, `listen 127.0.0.1:${port};`),
    );
    nginxPort = started.port;
    proxy = started.proc;
  });

  after(async () => {
    await proxy?.stop('SIGQUIT');
    await stop(cluster);
    removeDir(dir);
  });

  it('serves the chat page through nginx', async () => {
    const res = await fetch(`http://127.0.0.1:${nginxPort}/healthz`);
    assert.equal(res.status, 200);
  });

  it('upgrades WebSockets through nginx, spreads them over both nodes, and clients chat', async () => {
    const clients: WsTestClient[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await WsTestClient.connect(`ws://127.0.0.1:${nginxPort}/ws`);
      await c.hello({ handle: `ngx${i}` });
      clients.push(c);
    }
    const counts = await Promise.all(
      [base, base + 1].map(async (p) => {
        const text = await (await fetch(`http://127.0.0.1:${p}/metrics`)).text();
        return Number(/^switchboard_connections (\d+)/m.exec(text)?.[1] ?? 0);
      }),
    );
    assert.ok(
      counts[0]! > 0 && counts[1]! > 0,
      `both nodes hold connections: ${counts.join(', ')}`,
    );
    await clients[0]!.call({ type: 'send', room: 'general', text: 'through nginx', cid: 'n1' });
    for (const c of clients.slice(1))
      await c.waitFor((f) => f.type === 'message' && f.text === 'through nginx');
    await clients[5]!.call({ type: 'send', to: 'ngx0', text: 'dm via nginx', cid: 'n2' });
    await clients[0]!.waitFor((f) => f.type === 'message' && f.text === 'dm via nginx');
    for (const c of clients) c.close();
  });

  it('lets the page served through nginx open /ws (Origin check sees the public host and port), and refuses another page', async () => {
    const open = (origin: string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${nginxPort}/ws`, { headers: { origin } });
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        ws.once('error', (err) => {
          if (!/Unexpected server response/.test(err.message)) reject(err);
        });
      });
    assert.equal(await open(`http://127.0.0.1:${nginxPort}`), 101);
    assert.equal(await open('https://evil.example'), 403);
  });
});
