/**
 * Starts one server under test in its own process: the two peers from bench/peers (forked under
 * tsx, they report their port over IPC) or the real Switchboard CLI from dist/.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerKind } from '../load/ipc.js';
import { envArgs } from './env-args.js';

export interface RunningServer {
  kind: ServerKind;
  pid: number;
  url: string;
  stop(): Promise<void>;
  /** The forked peer (IPC), absent for Switchboard. */
  child?: ChildProcess;
}

export interface SwitchboardOptions {
  /** Shared by the nodes of a cluster: the caller creates and removes it. */
  dataDir?: string;
  /** Extra `serve` arguments (bus, node id, mesh). */
  args?: string[];
  /** Prefix of the node's stderr lines. */
  tag?: string;
}

/** BENCH_SWITCHBOARD_MAIN runs another build, e.g. a copy of the baseline's dist/ for an A/B. */
// `||`, not `??`: set but empty (`BENCH_SWITCHBOARD_MAIN= npm run bench`) means this build too.
export const SWITCHBOARD_MAIN = process.env['BENCH_SWITCHBOARD_MAIN'] || 'dist/cli/main.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = addr && typeof addr === 'object' ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

function stopper(child: ChildProcess, cleanup: () => void): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(hard);
    }
    cleanup();
  };
}

export async function startPeer(
  kind: 'socketio' | 'ws-floor',
  file: string = kind,
  env: Record<string, string> = {},
): Promise<RunningServer> {
  const child = fork(`bench/peers/${file}.ts`, [], {
    // e.g. BENCH_PEER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the peers alike
    execArgv: ['--import', 'tsx', ...envArgs('BENCH_PEER_NODE_ARGS')],
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} peer exited with ${code}`)));
    child.on('message', (m: { t?: string; port?: number }) => {
      if (m.t === 'listening' && m.port) resolve(m.port);
    });
  });
  return {
    kind,
    pid: child.pid ?? 0,
    url: `ws://127.0.0.1:${port}`,
    stop: stopper(child, () => {}),
    child,
  };
}

export async function startSwitchboard(o: SwitchboardOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'sb-bench-'));
  const tag = o.tag ?? 'switchboard';
  const args = [SWITCHBOARD_MAIN, 'serve', '--host', '127.0.0.1', '--port', String(port)];
  args.push(
    '--data-dir',
    dataDir,
    '--rate-limit',
    '1000',
    '--rate-burst',
    '1000',
    '--log-level',
    'warn',
    ...(o.args ?? []),
    // e.g. BENCH_SWITCHBOARD_ARGS="--sqlite-synchronous normal" to compare a serve setting
    ...envArgs('BENCH_SWITCHBOARD_ARGS'),
  );
  // e.g. BENCH_SWITCHBOARD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server
  const nodeArgs = envArgs('BENCH_SWITCHBOARD_NODE_ARGS');
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (d: Buffer): void => {
    tail = (tail + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on(
    'data',
    (d: Buffer) => (keep(d), process.stderr.write(`[${tag}] ${d.toString()}`)),
  );
  const cleanup = (): void => {
    if (o.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  };
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    if (await canConnect(port)) {
      return {
        kind: 'switchboard',
        pid: child.pid ?? 0,
        url: `ws://127.0.0.1:${port}`,
        stop: stopper(child, cleanup),
      };
    }
    await sleep(100);
  }
  await stopper(child, cleanup)();
  throw new Error(`switchboard did not listen on ${port} within 30 s; output:\n${tail}`);
}

export function startServer(kind: ServerKind): Promise<RunningServer> {
  return kind === 'switchboard' ? startSwitchboard() : startPeer(kind);
}
