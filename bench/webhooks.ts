/**
 * Webhooks (part of a plain run; alone: `--scenario webhooks`): one Switchboard server (`--webhooks`) and a receiver
 * on loopback in this process. Three phases in the same run:
 * 1. `deliveries/s`: senders in 4 rooms post `ops` messages; the clock stops when the receiver
 *    has acknowledged every message event (deduped by id).
 * 2. chat publish→deliver p99 with no subscription (the baseline);
 * 3. the same with a subscription whose receiver never answers (hangs).
 * Chat latency is measured by 20 listeners in one room receiving a sender's timed messages.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { note, status } from './lib/progress.js';
import { f, table } from './lib/report.js';
import { SWITCHBOARD_MAIN, startSwitchboard } from './lib/servers.js';

export type WebhooksScenarioName = 'webhooks';
export const WEBHOOKS_SCENARIOS: readonly WebhooksScenarioName[] = ['webhooks'];

export interface WebhooksResult {
  scenario: WebhooksScenarioName;
  ops: number;
  deliveries: number;
  deliveriesPerS: number;
  chat: { receiver: 'none' | 'hanging'; messages: number; p50Ms: number; p99Ms: number }[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Conn {
  ws: WebSocket;
  nextId: number;
  pending: Map<number, () => void>;
  onMessage: (text: string) => void;
}

async function open(url: string, handle: string): Promise<Conn> {
  const ws = new WebSocket(url);
  const c: Conn = { ws, nextId: 1, pending: new Map(), onMessage: () => {} };
  ws.on('message', (data: Buffer) => {
    for (const line of String(data).split('\n')) {
      if (line.startsWith('{"type":"ping"')) ws.send('{"type":"pong"}');
      else if (line.startsWith('{"type":"reply"')) {
        const r = JSON.parse(line) as { id: number };
        c.pending.get(r.id)?.();
        c.pending.delete(r.id);
      } else if (line.startsWith('{"type":"message"')) c.onMessage(line);
    }
  });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  await call(c, { type: 'hello', protocol: 1, handle, presence: false });
  return c;
}

function call(c: Conn, frame: Record<string, unknown>): Promise<void> {
  const id = c.nextId++;
  return new Promise((res) => {
    c.pending.set(id, res);
    c.ws.send(JSON.stringify({ ...frame, id }));
  });
}

async function json(url: string, method: string, body: unknown, token?: string): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

export async function runWebhooksScenario(o: { scale: number }): Promise<WebhooksResult> {
  const ops = Math.max(200, Math.round(4000 * o.scale));
  const chatMessages = Math.max(200, Math.round(1000 * o.scale));
  const seen = new Set<string>();
  const hung: ServerResponse[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/hang') {
        hung.push(res);
        return;
      }
      const d = JSON.parse(Buffer.concat(chunks).toString()) as { id: string; type: string };
      if (d.type === 'message.created') seen.add(d.id);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-hooks-'));
  const server = await startSwitchboard({
    tag: 'webhooks',
    dataDir,
    args: ['--webhooks', '--webhook-allow', '127.0.0.1', '--webhook-timeout-ms', '600000'],
  });
  const http = server.url.replace(/^ws/, 'http') + '/api/v1';
  const conns: Conn[] = [];
  try {
    const reg = (await json(`${http}/auth/register`, 'POST', {
      handle: 'benchadmin',
      password: 'bench password 123',
    })) as { token: string };
    execFileSync(process.execPath, [
      SWITCHBOARD_MAIN,
      'admin',
      'grant',
      'benchadmin',
      '--data-dir',
      dataDir,
    ]);
    const admin = reg.token;
    const fast = (await json(`${http}/webhooks`, 'POST', { url: `${target}/ok` }, admin)) as {
      id: string;
    };

    // 1. deliveries per second: 4 rooms, one sender each, every event acknowledged.
    const rooms = ['h0', 'h1', 'h2', 'h3'];
    const senders = await Promise.all(rooms.map((r, i) => open(`${server.url}/ws`, `hs${i}`)));
    conns.push(...senders);
    for (const [i, s] of senders.entries()) await call(s, { type: 'create', room: rooms[i] });
    const start = performance.now();
    let sent = 0;
    await Promise.all(
      senders.map(async (s, i) => {
        for (let k = 0; k < ops / rooms.length; k++) {
          await call(s, { type: 'send', room: rooms[i], text: `m ${k}`, cid: `h-${k}` });
          sent++;
        }
      }),
    );
    for (let i = 0; seen.size < sent && i < 6000; i++) {
      if (i % 50 === 0) status(`webhooks: ${seen.size}/${sent} delivered`);
      await sleep(10);
    }
    const wallS = (performance.now() - start) / 1000;
    const deliveries = seen.size;
    await json(`${http}/webhooks/${fast.id}`, 'DELETE', undefined, admin).catch(() => {});

    // 2 and 3: chat latency without, then with, a hanging receiver.
    const listeners: Conn[] = [];
    const sender = await open(`${server.url}/ws`, 'chatsender');
    conns.push(sender);
    await call(sender, { type: 'create', room: 'lat' });
    for (let i = 0; i < 20; i++) {
      const c = await open(`${server.url}/ws`, `l${i}`);
      await call(c, { type: 'join', room: 'lat' });
      listeners.push(c);
    }
    conns.push(...listeners);
    const chat: WebhooksResult['chat'] = [];
    for (const mode of ['none', 'hanging'] as const) {
      if (mode === 'hanging')
        await json(`${http}/webhooks`, 'POST', { url: `${target}/hang` }, admin);
      const lat: number[] = [];
      for (const c of listeners)
        c.onMessage = (line) => {
          const m = /"text":"t (\d+(?:\.\d+)?) /.exec(line);
          if (m) lat.push(performance.now() - Number(m[1]));
        };
      const want = chatMessages * listeners.length;
      for (let k = 0; k < chatMessages; k++) {
        void call(sender, {
          type: 'send',
          room: 'lat',
          text: `t ${performance.now()} ${mode}`,
          cid: `${mode}-${k}`,
        });
        await sleep(5); // ~200 msg/s
      }
      for (let i = 0; lat.length < want && i < 1000; i++) await sleep(10);
      chat.push({
        receiver: mode,
        messages: lat.length,
        p50Ms: quantile(lat, 0.5),
        p99Ms: quantile(lat, 0.99),
      });
      status(`webhooks: chat p99 with receiver ${mode}: ${f(quantile(lat, 0.99), 1)} ms`);
    }
    return { scenario: 'webhooks', ops, deliveries, deliveriesPerS: deliveries / wallS, chat };
  } finally {
    for (const c of conns) c.ws.terminate();
    for (const res of hung) res.destroy();
    receiver.closeAllConnections();
    receiver.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    note('webhooks: done');
  }
}

export function renderWebhooks(results: WebhooksResult[]): string {
  if (results.length === 0) return '';
  const rows = results.flatMap((r) => [
    ['deliveries', `${r.deliveries}/${r.ops}`, `${f(r.deliveriesPerS, 0)}/s`, '', ''],
    ...r.chat.map((c) => [
      `chat, receiver ${c.receiver}`,
      String(c.messages),
      '',
      f(c.p50Ms, 2),
      f(c.p99Ms, 2),
    ]),
  ]);
  return `webhooks (receiver on loopback)\n${table(['phase', 'count', 'rate', 'p50 ms', 'p99 ms'], rows)}`;
}
