/**
 * Private broker instances for tests: each started from its Debian binary on an ephemeral
 * port in a temp dir, so a test can kill and restart it. Under CI=true a missing binary is a
 * failure; on a developer's machine the test is skipped visibly (see `requireBinary`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reapOnExit } from '../reaper.js';

export interface Broker {
  /** Connection URL for the driver. */
  url: string;
  port: number;
  /** SIGKILL, like a crash. */
  kill(): Promise<void>;
  /** Start again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stop and delete the data directory. */
  dispose(): Promise<void>;
  /**
   * SIGSTOP / SIGCONT (single-process brokers): its connections stay open and nothing answers,
   * like a partition that sends no reset.
   */
  freeze?(): void;
  thaw?(): void;
}

/** Absolute path of a binary, or null. */
export function findBinary(name: string, extraDirs: string[] = []): string | null {
  for (const dir of extraDirs) if (existsSync(join(dir, name))) return join(dir, name);
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : null;
}

/**
 * Returns the binary or a skip reason. Under CI=true a missing binary throws (the run fails).
 * Use: `const bin = requireBinary('redis-server'); describe(..., { skip: bin.skip }, ...)`.
 */
export function requireBinary(
  name: string,
  extraDirs: string[] = [],
): { path: string; skip: string | false } {
  const path = findBinary(name, extraDirs);
  if (path) return { path, skip: false };
  if (process.env.CI === 'true')
    throw new Error(`${name} is required under CI=true but was not found`);
  return { path: '', skip: `${name} not installed` };
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** Whether `port` on loopback can be listened on now (not for long: anyone may take it next). */
export function portFree(port: number): Promise<boolean> {
  return new Promise<boolean>((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** A new directory under `base` (the OS temp dir by default). */
export function tempDir(prefix: string, base: string = tmpdir()): string {
  return mkdtempSync(join(base, `sb-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Waits until a TCP port accepts connections (bounded). With `proc`, fails at once, with the
 * process's last output, when it exits first (a port taken since it was picked, a bad flag).
 */
export async function waitForPort(port: number, timeoutMs = 30_000, proc?: Proc): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const child = proc?.child;
    if (child && (child.exitCode !== null || child.signalCode !== null))
      throw new Error(
        `exited (${child.exitCode ?? child.signalCode}) before port ${port} opened: ${proc.output.slice(-2_000)}`,
      );
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), res(true)));
      s.once('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A child process that is killed when the test process exits. */
export class Proc {
  child: ChildProcess | null = null;
  output = '';

  constructor(
    private readonly cmd: string,
    private readonly args: string[],
    private readonly env: Record<string, string> = {},
    /** Run as this user (when the tests run as root), so signals reach the server itself. */
    private readonly ids: { uid?: number; gid?: number } = {},
  ) {}

  start(): void {
    const child = spawn(this.cmd, this.args, {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...this.ids,
    });
    child.stdout?.on(
      'data',
      (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)),
    );
    child.stderr?.on(
      'data',
      (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)),
    );
    this.child = child;
    child.once(
      'exit',
      reapOnExit(() => child.kill('SIGKILL')),
    );
  }

  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }
}

/**
 * A broker that is one process, ready when its port opens: started on a free port with a temp
 * dir, killed with SIGKILL, restarted on the same port with the same data.
 */
export async function startSimpleBroker(
  binary: string,
  name: string,
  args: (port: number, dir: string) => string[],
  url: (port: number) => string,
): Promise<Broker> {
  const port = await freePort();
  const dir = tempDir(name);
  const proc = new Proc(binary, args(port, dir));
  const up = async () => {
    proc.start();
    await waitForPort(port, undefined, proc);
  };
  await up();
  return {
    url: url(port),
    port,
    kill: () => proc.stop('SIGKILL'),
    restart: async () => (await proc.stop('SIGKILL'), await up()),
    dispose: async () => {
      proc.child?.kill('SIGCONT');
      await proc.stop('SIGKILL');
      removeDir(dir);
    },
    freeze: () => void proc.child?.kill('SIGSTOP'),
    thaw: () => void proc.child?.kill('SIGCONT'),
  };
}
