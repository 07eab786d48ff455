/**
 * Starts the real OpenID provider of ./oidc-provider-process.ts in a child process:
 * `const op = await startProvider(); … await op.configure([{client_id, client_secret,
 * redirect_uris}]); … await op.stop()`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { ProviderClient } from './oidc-provider-process.js';
import { reapOnExit } from './reaper.js';

export type { ProviderClient };

export interface ProviderHandle {
  issuer: string;
  process: ChildProcess;
  /** Builds the provider with these static clients; resolves once it answers. */
  configure(clients: ProviderClient[]): Promise<void>;
  /** Re-sign ID tokens for another client (`'aud'`), or stop doing so (null). */
  tamper(mode: 'aud' | null): Promise<void>;
  stop(): Promise<void>;
}

const ENTRY = resolve(import.meta.dirname, 'oidc-provider-process.ts');

export async function startProvider(): Promise<ProviderHandle> {
  const child = fork(ENTRY, [], {
    execArgv: ['--import', 'tsx'],
    // oidc-provider warns about the dev interactions and a Node release older than 22 LTS.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const forget = reapOnExit(() => child.kill('SIGKILL'));
  const exited = new Promise<void>((r) => child.once('exit', () => (forget(), r())));
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const reply = () =>
    new Promise<Record<string, unknown>>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`provider: ${stderr.join('')}`)), 20_000);
      child.once('message', (m: Record<string, unknown>) => (clearTimeout(timer), res(m)));
    });
  const { issuer } = (await reply()) as { issuer: string };
  const ask = async (message: object): Promise<void> => {
    const answered = reply();
    child.send(message);
    await answered;
  };
  return {
    issuer,
    process: child,
    configure: (clients) => ask({ clients }),
    tamper: (mode) => ask({ tamper: mode }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
