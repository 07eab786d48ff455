/**
 * The SDK outbox through a real store outage: a server on a private PostgreSQL that is killed
 * for ~5 s while four clients keep sending. Every frame the clients put on the wire is counted.
 * Run with SB_OUTAGE_REPORT=1 to print the figures.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { ChatMessage, HelloResult, SwitchboardClient } from '../../src/client/index.js';
import type { Broker } from '../helpers/brokers/common.js';
import { postgresBinary, startPostgres } from '../helpers/brokers/postgres.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { handle, makeClient, sleep, until } from './helpers.js';

const bin = postgresBinary();
const CLIENTS = 4;
/** Each client sends one message this often, before and during the outage. */
const SEND_EVERY_MS = 200;
const BEFORE_OUTAGE_MS = 2000;
const OUTAGE_MS = 5000;

/** What one WebSocket (one connection) put on the wire and got back. */
interface Wire {
  /** Every frame sent except pongs (the server's rate limiter exempts those), with its time. */
  frames: { type: string; at: number }[];
  rateLimited: number;
  limits: { rateLimit: number; rateBurst: number } | null;
}

/** A `ws` WebSocket that logs its connection's frames into `wires`. */
function countingSocket(wires: Wire[]) {
  return class extends WebSocket {
    private readonly wire: Wire = { frames: [], rateLimited: 0, limits: null };

    constructor(url: string) {
      super(url);
      wires.push(this.wire);
      this.on('message', (data) => {
        for (const line of (data as Buffer).toString().split('\n')) {
          const f = JSON.parse(line) as {
            type: string;
            code?: string;
            data?: Partial<HelloResult>;
          };
          if (f.type === 'error' && f.code === 'SB_ERR_RATE_LIMITED') this.wire.rateLimited++;
          if (f.type === 'reply' && f.data?.rateLimit !== undefined)
            this.wire.limits = { rateLimit: f.data.rateLimit, rateBurst: f.data.rateBurst! };
        }
      });
    }

    override send(data: unknown, ...rest: unknown[]): void {
      const type = (JSON.parse(String(data)) as { type: string }).type;
      if (type !== 'pong') this.wire.frames.push({ type, at: Date.now() });
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  };
}

/** Lowest token count the server's bucket (rate/s, burst, starting full) reaches over `times`. */
function lowestTokens(times: number[], rate: number, burst: number): number {
  let tokens = burst;
  let last = times[0] ?? 0;
  let lowest = burst;
  for (const t of times) {
    tokens = Math.min(burst, tokens + ((t - last) * rate) / 1000) - 1;
    last = t;
    lowest = Math.min(lowest, tokens);
  }
  return lowest;
}

function maxInWindow(times: number[], windowMs: number): number {
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('SDK outbox through a store outage', { skip: bin.skip }, () => {
  let pg: Broker;
  let server: ServerHandle;
  const open: SwitchboardClient[] = [];

  before(async () => {
    pg = await startPostgres();
    server = await startServer({ args: ['--store', pg.url] });
  });

  after(async () => {
    for (const c of open) c.close();
    await server?.dispose();
    await pg?.dispose();
  });

  test('stores every message once, in order, with bounded frames, rate and drain time', async () => {
    const wires: Wire[][] = Array.from({ length: CLIENTS }, () => []);
    const names = Array.from({ length: CLIENTS }, (_, i) => handle(`out${i}`));
    const clients: SwitchboardClient[] = names.map((name, i) =>
      makeClient({ url: server.wsUrl, handle: name, WebSocket: countingSocket(wires[i]!) }),
    );
    open.push(...clients);
    await Promise.all(clients.map((c) => c.connect()));

    const sent: string[][] = names.map(() => []);
    const results: Promise<ChatMessage>[] = [];
    let sending = true;
    const loops = clients.map(async (c, i) => {
      for (let k = 0; sending; k++) {
        const text = `${names[i]} #${k}`;
        sent[i]!.push(text);
        results.push(c.sendToRoom('general', text));
        await sleep(SEND_EVERY_MS);
      }
    });

    await sleep(BEFORE_OUTAGE_MS);
    await pg.kill();
    await sleep(OUTAGE_MS);
    await pg.restart();
    const back = Date.now();
    sending = false;
    await Promise.all(loops);
    await until(() => clients.every((c) => c.outboxSize === 0), 60_000, 'outboxes drained');
    const drainMs = Date.now() - back;
    await Promise.all(results);

    const reader = makeClient({ url: server.wsUrl, handle: handle('reader'), presence: false });
    open.push(reader);
    await reader.connect();
    const stored: ChatMessage[] = [];
    for (let after = 0; ;) {
      const page = await reader.history('room:general', { after, limit: 500 });
      stored.push(...page.messages);
      if (!page.hasMore || page.messages.length === 0) break;
      after = page.messages.at(-1)!.seq;
    }
    const messages = sent.flat().length;
    const sendFrames = wires.flat().flatMap((w) => w.frames.filter((f) => f.type === 'send'));
    const perMessage = sendFrames.length / messages;
    const connections = wires.flat();
    const maxPerSecond = Math.max(
      ...connections.map((w) =>
        maxInWindow(
          w.frames.map((f) => f.at),
          1000,
        ),
      ),
    );
    const report = {
      messages,
      sendFrames: sendFrames.length,
      perMessage: Number(perMessage.toFixed(3)),
      connections: connections.length,
      rateLimitedReplies: connections.reduce((n, w) => n + w.rateLimited, 0),
      maxFramesInOneSecond: maxPerSecond,
      drainMs,
    };
    if (process.env.SB_OUTAGE_REPORT) console.log(JSON.stringify(report));

    // Every message stored exactly once, each client's in the order it sent them.
    for (const [i, name] of names.entries()) {
      const texts = stored.filter((m) => m.from === name).map((m) => m.text);
      assert.deepEqual(texts, sent[i], `${name}: stored once each, in send order`);
    }

    assert.ok(perMessage <= 1.25, `${perMessage} send frames per message`);
    // Never above the server's limit: it refused nothing, and its bucket never ran dry.
    assert.equal(report.rateLimitedReplies, 0);
    for (const w of connections) {
      const { rateLimit, rateBurst } = w.limits ?? { rateLimit: 20, rateBurst: 60 };
      const times = w.frames.map((f) => f.at);
      assert.ok(lowestTokens(times, rateLimit, rateBurst) >= 0, 'within the token bucket');
    }
    assert.equal(connections.length, CLIENTS, 'no connection was closed for flooding');
    assert.ok(drainMs < 3500, `drained ${drainMs} ms after the store came back`);
  });
});
