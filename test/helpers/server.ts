/**
 * Starts a real Switchboard server process (the CLI's `serve`) on an ephemeral port with a
 * private data directory, for integration, SDK and browser tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { reapOnExit } from './reaper.js';

export interface ServerHandle {
  /** http://127.0.0.1:PORT */
  url: string;
  /** ws://127.0.0.1:PORT/ws */
  wsUrl: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  /** Every stdout/stderr line so far (pino JSON). */
  logs: string[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** stop() and delete the data directory. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  /** Extra CLI flags after `serve`. */
  args?: string[];
  env?: Record<string, string>;
  /** Reuse a data directory (to test restarts). */
  dataDir?: string;
  /** Fixed port (to restart on the same port); default ephemeral. */
  port?: number;
  /** Address to listen on and to reach it at; default 127.0.0.1. */
  host?: string;
  /** Argv before `node`, e.g. `ip netns exec <ns>` (it execs node: same pid). */
  wrap?: string[];
}

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');

export async function startServer(options: StartOptions = {}): Promise<ServerHandle> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sb-test-'));
  const host = options.host ?? '127.0.0.1';
  const wrap = options.wrap ?? [];
  const child = spawn(
    wrap[0] ?? process.execPath,
    [
      ...(wrap.length > 0 ? [...wrap.slice(1), process.execPath] : []),
      '--import',
      'tsx',
      MAIN,
      'serve',
      '--host',
      host,
      '--port',
      String(options.port ?? 0),
      '--data-dir',
      dataDir,
      ...(options.args ?? []),
    ],
    {
      env: { ...process.env, ...options.env, PORT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  // A test process that dies or times out must not leave its servers running.
  const forget = reapOnExit(() => child.kill('SIGKILL'));
  const exited = new Promise<void>((res) =>
    child.once('exit', () => {
      forget();
      res();
    }),
  );
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => {
      // Not started in time: it must not stay behind, half up, after the test gives up on it.
      child.kill('SIGKILL');
      rej(new Error(`server did not start:\n${logs.join('\n')}`));
    }, 20_000);
    const onLine = (line: string) => {
      logs.push(line);
      if (!line.includes('"listening"')) return;
      try {
        const rec = JSON.parse(line) as { port?: number };
        if (rec.port) {
          clearTimeout(timer);
          res(rec.port);
        }
      } catch {
        /* not JSON */
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', (l) => logs.push(l));
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code} before listening:\n${logs.join('\n')}`));
    });
  });
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}/ws`,
    port,
    dataDir,
    process: child,
    logs,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    dispose: async () => {
      await signal('SIGTERM');
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
