/** Shared pieces of the SDK tests: clients on `ws`, sockets the test can kill, waiting. */
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { WebSocket } from 'ws';
import {
  SwitchboardClient,
  type ChatMessage,
  type ClientEvents,
  type ClientOptions,
  type WebSocketCtor,
} from '../../src/client/index.js';
import { startServer, type ServerHandle } from '../helpers/server.js';

/** A stored message as the server sends it, text `t<seq>`: a fixture for the pure parts. */
export const msg = (channel: string, seq: number, from = 'bob'): ChatMessage => ({
  type: 'message',
  channel,
  seq,
  cid: `c${seq}`,
  from,
  text: `t${seq}`,
  ts: 0,
});

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

/**
 * A WebSocket class that can keep its client away: while `away`, every new socket asks for a
 * path the server answers with 404, so the client keeps failing to reconnect (with its own
 * backoff) until `back()`. Records every frame the client sends and receives, per socket, and
 * can hold back the client's frames of one type (a slow uplink) until `flush()`.
 */
export class Reachability {
  away = false;
  /** Outgoing frames of this type are held back until `flush()` instead of going out. */
  delay: string | null = null;
  readonly sockets: WebSocket[] = [];
  /** Parsed frames sent on each socket (index as in `sockets`), held-back ones included. */
  readonly sent: Record<string, unknown>[][] = [];
  /** Parsed frames received on each socket. */
  readonly received: Record<string, unknown>[][] = [];
  readonly WebSocket: WebSocketCtor = switchable(this);
  private readonly delayed: (() => void)[] = [];

  /** Drops the current socket and keeps the client from reconnecting. */
  leave(): void {
    this.away = true;
    this.sockets.at(-1)?.terminate();
  }

  back(): void {
    this.away = false;
  }

  /** Sends the held-back frames and stops holding any. */
  flush(): void {
    this.delay = null;
    for (const send of this.delayed.splice(0)) send();
  }

  /** Frames of `type` sent on every socket, or on socket `index` only. */
  sentOfType(type: string, index?: number): Record<string, unknown>[] {
    const lists = index === undefined ? this.sent : [this.sent[index] ?? []];
    return lists.flat().filter((f) => f.type === type);
  }

  receivedOfType(type: string): Record<string, unknown>[] {
    return this.received.flat().filter((f) => f.type === type);
  }

  /** Records a frame the client sends on `socket`, and sends it unless it is held back. */
  outgoing(socket: WebSocket, frame: Record<string, unknown>, send: () => void): void {
    this.sent[this.sockets.indexOf(socket)]!.push(frame);
    if (frame.type === this.delay) this.delayed.push(send);
    else send();
  }
}

function switchable(net: Reachability): WebSocketCtor {
  return class Switchable extends WebSocket {
    constructor(url: string) {
      super(net.away ? url.replace(/\/ws$/, '/away') : url);
      const index = net.sockets.push(this) - 1;
      net.sent[index] = [];
      net.received[index] = [];
      this.on('message', (data) => {
        for (const line of (data as Buffer).toString().split('\n'))
          net.received[index]!.push(JSON.parse(line) as Record<string, unknown>);
      });
    }
    override send(data: string): void {
      net.outgoing(this, JSON.parse(data) as Record<string, unknown>, () => super.send(data));
    }
  };
}

export function makeClient(opts: ClientOptions): SwitchboardClient {
  return new SwitchboardClient({
    reconnect: { minDelay: 50, maxDelay: 500 },
    ...opts,
    WebSocket: opts.WebSocket ?? WebSocket,
  });
}

/** A test file's real server and its users: see `serverWithUsers`. */
export interface UsersFixture {
  /** The file's server (started by the file's `before`). */
  readonly server: ServerHandle;
  /** A connected client with a fresh handle starting with `prefix`, closed after the file. */
  readonly user: (prefix: string) => Promise<SwitchboardClient>;
  /** Closes `c` after the file, with the users. */
  readonly track: <T extends { close(): void }>(c: T) => T;
}

/** Registers the file's `before`/`after`: one server, every client closed, the server disposed. */
export function serverWithUsers(): UsersFixture {
  let server: ServerHandle | undefined;
  const clients: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => (clients.push(c), c);
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const c of clients) c.close();
    await server?.dispose();
  });
  const started = (): ServerHandle => {
    if (!server) throw new Error('serverWithUsers: the server starts in before()');
    return server;
  };
  return {
    get server() {
      return started();
    },
    track,
    user: async (prefix) => {
      const c = track(makeClient({ url: started().wsUrl, handle: handle(prefix) }));
      await c.connect();
      return c;
    },
  };
}

/** A promise's outcome as a word: 'ok', or the error's code. */
export const errorCode = (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );

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
