/** Shared pieces of the SDK tests: clients on `ws`, sockets the test can kill, waiting. */
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import {
  SwitchboardClient,
  type ClientEvents,
  type ClientOptions,
  type WebSocketCtor,
} from '../../src/client/index.js';

/** A unique handle per test, since a server keeps handles for the whole file. */
export function handle(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** A WebSocket class whose instances the test can reach (to terminate one, say). */
export function trackedWebSocket(): { WebSocket: WebSocketCtor; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { WebSocket: Tracked, sockets };
}

export function makeClient(opts: ClientOptions): SwitchboardClient {
  return new SwitchboardClient({
    reconnect: { minDelay: 50, maxDelay: 500 },
    ...opts,
    WebSocket: opts.WebSocket ?? WebSocket,
  });
}

/** Resolves with the first payload of `event` that passes `pred`. */
export function waitFor<K extends keyof ClientEvents>(
  client: SwitchboardClient,
  event: K,
  pred: (payload: ClientEvents[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${String(event)}`));
    }, timeoutMs);
    const off = client.on(event, (payload) => {
      if (!pred(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Collects every payload of `event` from now on. */
export function collect<K extends keyof ClientEvents>(
  client: SwitchboardClient,
  event: K,
): ClientEvents[K][] {
  const out: ClientEvents[K][] = [];
  client.on(event, (p) => out.push(p));
  return out;
}

export async function until(
  cond: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
