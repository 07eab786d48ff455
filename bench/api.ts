/**
 * HTTP API posts against socket sends (part of a plain run; alone: `--scenario api`): one Switchboard server, N
 * listeners in room general, one user posting `ops` messages twice: over its WebSocket (`send`,
 * a window of `inflight` unanswered frames) and over `POST /api/v1/rooms/general/messages?as=`
 * (the same window of concurrent requests, keep-alive). Each phase waits until every listener
 * has every message; server CPU from /proc over the phase gives posts per CPU-second, i.e. posts
 * per second per core, for the two paths in the same run.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs } from './lib/proc.js';
import { note, status } from './lib/progress.js';
import { f, table } from './lib/report.js';
import { SWITCHBOARD_MAIN, startSwitchboard } from './lib/servers.js';

export type ApiScenarioName = 'api';
export const API_SCENARIOS: readonly ApiScenarioName[] = ['api'];

export interface ApiPhase {
  path: 'socket' | 'http';
  ops: number;
  deliveries: number;
  expected: number;
  wallMs: number;
  serverCpuMs: number;
  postsPerSecond: number;
  /** Posts per second of server CPU: per core. */
  postsPerCoreSecond: number;
}

export interface ApiResult {
  scenario: ApiScenarioName;
  listeners: number;
  inflight: number;
  phases: ApiPhase[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function json(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(url, init);
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok)
    throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${String(body['code'])}`);
  return body;
}

function cli(dataDir: string, ...args: string[]): Promise<void> {
  const child = spawn(process.execPath, [SWITCHBOARD_MAIN, ...args, '--data-dir', dataDir], {
    stdio: 'ignore',
  });
  return new Promise((res, rej) =>
    child.once('exit', (code) =>
      code === 0 ? res() : rej(new Error(`cli ${args.join(' ')}: ${code}`)),
    ),
  );
}

interface Listener {
  ws: WebSocket;
  got: number;
}

async function listener(url: string, n: number, mark: () => string): Promise<Listener> {
  const ws = new WebSocket(url);
  const l: Listener = { ws, got: 0 };
  let helloed: (() => void) | null = null;
  ws.on('message', (data: Buffer) => {
    for (const line of String(data).split('\n')) {
      if (line.startsWith('{"type":"ping"')) ws.send('{"type":"pong"}');
      else if (line.startsWith('{"type":"reply"')) helloed?.();
      else if (line.startsWith('{"type":"message"') && line.includes(mark())) l.got++;
    }
  });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  await new Promise<void>((res) => {
    helloed = res;
    ws.send(
      JSON.stringify({ type: 'hello', protocol: 1, id: 1, handle: `l${n}`, presence: false }),
    );
  });
  return l;
}

/** Runs `ops` posts with at most `inflight` outstanding; `post(i)` resolves when answered. */
async function windowed(
  ops: number,
  inflight: number,
  post: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < ops) await post(next++);
  };
  await Promise.all(Array.from({ length: inflight }, lane));
}

export async function runApiScenario(o: { scale: number }): Promise<ApiResult> {
  const listeners = Math.max(5, Math.round(50 * o.scale));
  const ops = Math.max(200, Math.round(3000 * o.scale));
  const inflight = 16;
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-api-'));
  const server = await startSwitchboard({
    tag: 'api',
    dataDir,
    args: ['--api-key-rate', '1000000', '--api-key-burst', '1000000'],
  });
  let mark = 'none';
  const conns: Listener[] = [];
  let sender: WebSocket | null = null;
  try {
    const api = `${server.url.replace(/^ws:/, 'http:')}/api/v1`;
    const headers = { 'content-type': 'application/json' };
    const reg = await json(`${api}/auth/register`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ handle: 'benchroot', password: 'correct horse battery' }),
    });
    const token = String(reg['token']);
    await cli(dataDir, 'admin', 'grant', 'benchroot');
    const made = await json(`${api}/api-keys`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'bench', scopes: ['messages:write'] }),
    });
    const key = String(made['key']);
    for (let n = 0; n < listeners; n++)
      conns.push(await listener(`${server.url}/ws`, n, () => mark));
    const ws = new WebSocket(`${server.url}/ws`);
    sender = ws;
    const pending = new Map<number, () => void>();
    ws.on('message', (data: Buffer) => {
      for (const line of String(data).split('\n')) {
        if (line.startsWith('{"type":"ping"')) ws.send('{"type":"pong"}');
        else if (line.startsWith('{"type":"reply"') || line.startsWith('{"type":"error"')) {
          const id = (JSON.parse(line) as { id: number }).id;
          pending.get(id)?.();
          pending.delete(id);
        }
      }
    });
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    let nextId = 1;
    const request = (frame: Record<string, unknown>): Promise<void> =>
      new Promise((res) => {
        const id = nextId++;
        pending.set(id, res);
        ws.send(JSON.stringify({ ...frame, id }));
      });
    await request({ type: 'hello', protocol: 1, token, presence: false });
    await sleep(500);

    const phases: ApiPhase[] = [];
    const posts: Record<ApiPhase['path'], (i: number) => Promise<void>> = {
      socket: (i) =>
        request({ type: 'send', room: 'general', text: `s-${i} bench`, cid: `s-${i}` }),
      http: async (i) => {
        const res = await fetch(`${api}/rooms/general/messages?as=benchroot`, {
          method: 'POST',
          headers: { ...headers, authorization: `Bearer ${key}`, 'idempotency-key': `h-${i}` },
          body: JSON.stringify({ text: `h-${i} bench` }),
        });
        await res.arrayBuffer();
        if (res.status !== 201) throw new Error(`API post answered ${res.status}`);
      },
    };
    for (const path of ['socket', 'http'] as const) {
      mark = path === 'socket' ? '"cid":"s-' : '"cid":"h-';
      for (const c of conns) c.got = 0;
      const expected = ops * listeners;
      const cpu0 = cpuMs(server.pid);
      const t0 = performance.now();
      await windowed(ops, inflight, posts[path]);
      const deliveries = () => conns.reduce((sum, c) => sum + c.got, 0);
      const until = performance.now() + 60_000;
      while (deliveries() < expected && performance.now() < until) {
        status(`api/${path}: ${deliveries()}/${expected} delivered`);
        await sleep(50);
      }
      const wallMs = performance.now() - t0;
      const serverCpuMs = cpuMs(server.pid) - cpu0;
      phases.push({
        path,
        ops,
        deliveries: deliveries(),
        expected,
        wallMs,
        serverCpuMs,
        postsPerSecond: (ops * 1000) / wallMs,
        postsPerCoreSecond: serverCpuMs > 0 ? (ops * 1000) / serverCpuMs : 0,
      });
      note(
        `api/${path}: ${ops} posts in ${wallMs.toFixed(0)} ms, ${serverCpuMs.toFixed(0)} ms CPU`,
      );
    }
    return { scenario: 'api', listeners, inflight, phases };
  } finally {
    sender?.terminate();
    for (const c of conns) c.ws.terminate();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function renderApi(results: ApiResult[]): string {
  if (results.length === 0) return '';
  const rows = results.flatMap((r) => {
    const base = r.phases.find((p) => p.path === 'socket')?.postsPerCoreSecond ?? 0;
    return r.phases.map((p) => [
      p.path,
      `${r.listeners}`,
      `${p.ops}`,
      `${((100 * p.deliveries) / p.expected).toFixed(1)}%`,
      f(p.postsPerSecond, 0),
      f(p.postsPerCoreSecond, 0),
      base > 0 ? `${f(p.postsPerCoreSecond / base, 2)}x` : '-',
    ]);
  });
  return table(
    ['api posts', 'listeners', 'ops', 'delivered', 'posts/s', 'posts/core-s', 'vs socket'],
    rows,
  );
}
