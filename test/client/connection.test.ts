/**
 * Connection handling of SwitchboardClient against a scripted WebSocket server, for behaviour a
 * real server cannot be made to show on demand: chosen close codes, silence, batched frames.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import type {
  ClientOptions,
  HelloResult,
  SwitchboardClient,
  SwitchboardError,
} from '../../src/client/index.js';
import { collect, makeClient as makeTestClient, sleep, until, waitFor } from './helpers.js';

interface Stub {
  url: string;
  connections: WebSocket[];
  /** Frames received, parsed, per connection index. */
  frames: Record<string, unknown>[][];
  close(): Promise<void>;
}

function helloResult(pingInterval = 25_000): HelloResult {
  return {
    user: 'stub',
    token: 'tok',
    expiresAt: Date.now() + 60_000,
    protocol: 1,
    pingInterval,
    maxMessageBytes: 4096,
    rateLimit: 20,
    rateBurst: 60,
    channels: [
      {
        channel: 'room:general',
        kind: 'room',
        name: 'general',
        lastSeq: 0,
        readSeq: 0,
        unread: 0,
        mentions: 0,
        firstSeq: 1,
      },
    ],
    settings: { receipts: true },
    online: [{ user: 'stub', connections: 1 }],
  };
}

/** A server that runs `script(socket, index)` for each connection and records what it receives. */
async function stub(
  script: (ws: WebSocket, index: number, frame: Record<string, unknown>) => void,
): Promise<Stub> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const s: Stub = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`,
    connections: [],
    frames: [],
    close: () => {
      for (const c of wss.clients) c.terminate();
      return new Promise((r) => wss.close(() => r()));
    },
  };
  wss.on('connection', (ws) => {
    const index = s.connections.push(ws) - 1;
    s.frames[index] = [];
    ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as Record<string, unknown>;
      s.frames[index]!.push(frame);
      script(ws, index, frame);
    });
  });
  return s;
}

const reply = (frame: Record<string, unknown>, data: unknown) =>
  JSON.stringify({ type: 'reply', id: frame.id, data });

const stubs: Stub[] = [];
const clients: SwitchboardClient[] = [];
function makeClient(opts: ClientOptions): SwitchboardClient {
  const c = makeTestClient(opts);
  clients.push(c);
  return c;
}
after(async () => {
  for (const c of clients) c.close();
  for (const s of stubs) await s.close();
});

describe('SwitchboardClient connection handling', () => {
  test('a final close code (4100-4199) stops reconnecting and emits closed with reconnect false', async () => {
    const s = await stub((ws, _i, f) => {
      if (f.type === 'hello') {
        ws.send(reply(f, helloResult()));
        setTimeout(() => ws.close(4103, 'SB_ERR_BINARY_UNSUPPORTED'), 20);
      }
    });
    stubs.push(s);
    const c = makeClient({ url: s.url, handle: 'stub' });
    const closed = waitFor(c, 'closed');
    await c.connect();
    const ev = await closed;
    assert.equal(ev.code, 4103);
    assert.equal(ev.reconnect, false);
    assert.equal(ev.error?.code, 'SB_ERR_BINARY_UNSUPPORTED');
    await sleep(300);
    assert.equal(c.state, 'closed');
    assert.equal(s.connections.length, 1);
  });

  test('a final close before the first hello rejects connect with the close code\u2019s error', async () => {
    const s = await stub(() => {});
    stubs.push(s);
    const c = makeClient({ url: s.url, handle: 'stub' });
    const connecting = c.connect();
    await until(() => s.connections.length === 1);
    s.connections[0]!.close(4100, 'SB_ERR_PROTOCOL_VERSION');
    await assert.rejects(connecting, (e: SwitchboardError) => e.code === 'SB_ERR_PROTOCOL_VERSION');
  });

  test('a reconnect close code (4001) reconnects and resumes from the last seen seq', async () => {
    const s = await stub((ws, i, f) => {
      if (f.type !== 'hello') return;
      // Reply and a message in one WebSocket message: the client splits on "\n".
      const msg = {
        type: 'message',
        channel: 'room:general',
        seq: i + 1,
        cid: `c${i}`,
        from: 'other',
        text: `m${i}`,
        ts: 1,
      };
      ws.send(`${reply(f, helloResult())}\n${JSON.stringify(msg)}`);
      if (i === 0) setTimeout(() => ws.close(4001, 'SB_ERR_SLOW_CONSUMER'), 50);
    });
    stubs.push(s);
    const c = makeClient({ url: s.url, handle: 'stub' });
    const states = collect(c, 'state');
    const messages = collect(c, 'message');
    await c.connect();
    await until(() => messages.length === 2, 5000, 'second message');
    assert.deepEqual(states, ['connecting', 'ready', 'reconnecting', 'ready']);
    assert.deepEqual(
      messages.map((m) => m.text),
      ['m0', 'm1'],
    );
    const hello2 = s.frames[1]![0]!;
    assert.equal(hello2.token, 'tok');
    assert.deepEqual(hello2.resume, [{ channel: 'room:general', after: 1 }]);
    c.close();
  });

  test('answers a server ping with a pong', async () => {
    const s = await stub((ws, _i, f) => {
      if (f.type === 'hello') ws.send(`${reply(f, helloResult())}\n{"type":"ping"}`);
    });
    stubs.push(s);
    const c = makeClient({ url: s.url, handle: 'stub' });
    await c.connect();
    await until(() => s.frames[0]!.some((f) => f.type === 'pong'), 2000, 'pong');
    c.close();
  });

  test('a silent server is noticed after pingInterval + 10 s and the client reconnects', async () => {
    const s = await stub((ws, _i, f) => {
      if (f.type === 'hello') ws.send(reply(f, helloResult(100)));
    });
    stubs.push(s);
    const c = makeClient({ url: s.url, handle: 'stub' });
    await c.connect();
    const started = Date.now();
    await waitFor(c, 'state', (st) => st === 'reconnecting', 15_000);
    const waited = Date.now() - started;
    assert.ok(waited >= 10_000 && waited < 12_000, `noticed after ${waited} ms`);
    await waitFor(c, 'ready', () => true, 5000);
    assert.equal(s.connections.length, 2);
    c.close();
  });

  test('a rate-limited send is retried after retryAfter with the same cid', async () => {
    const s = await stub((ws, _i, f) => {
      if (f.type === 'hello') ws.send(reply(f, helloResult()));
      if (f.type !== 'send') return;
      const sends = s.frames[0]!.filter((x) => x.type === 'send');
      if (sends.length === 1) {
        ws.send(
          JSON.stringify({
            type: 'error',
            id: f.id,
            code: 'SB_ERR_RATE_LIMITED',
            message: 'slow',
            retryable: true,
            retryAfter: 100,
          }),
        );
      } else {
        const message = {
          type: 'message',
          channel: 'room:general',
          seq: 1,
          cid: f.cid,
          from: 'stub',
          text: f.text,
          ts: 1,
        };
        ws.send(reply(f, { message, duplicate: false }));
      }
    });
    stubs.push(s);
    const c = makeClient({ url: s.url, handle: 'stub' });
    await c.connect();
    const msg = await c.sendToRoom('general', 'hi');
    const sends = s.frames[0]!.filter((x) => x.type === 'send');
    assert.equal(sends.length, 2);
    assert.equal(sends[0]!.cid, sends[1]!.cid);
    assert.equal(msg.cid, sends[0]!.cid);
    c.close();
  });

  test('reconnectNow skips the backoff wait while reconnecting and does nothing otherwise', async () => {
    const s = await stub((ws, _i, f) => {
      if (f.type === 'hello') ws.send(reply(f, helloResult()));
    });
    stubs.push(s);
    const c = makeClient({ url: s.url, handle: 'stub', reconnect: { minDelay: 20_000 } });
    await c.connect();
    assert.equal(c.reconnectNow(), false, 'nothing to skip while ready');
    s.connections[0]!.close(4001, 'SB_ERR_SLOW_CONSUMER');
    await until(() => c.state === 'reconnecting');
    const started = Date.now();
    assert.equal(c.reconnectNow(), true);
    await waitFor(c, 'ready');
    assert.ok(Date.now() - started < 2000, `ready after ${Date.now() - started} ms`);
    assert.equal(s.connections.length, 2);
    c.close();
  });

  test('dropConnection treats a live connection as lost at once and reconnects; sends wait in the outbox', async () => {
    const s = await stub((ws, _i, f) => {
      if (f.type === 'hello') ws.send(reply(f, helloResult()));
      // A send on the first connection is never answered: it went into a dead network.
    });
    stubs.push(s);
    const c = makeClient({ url: s.url, handle: 'stub', reconnect: { minDelay: 20_000 } });
    await c.connect();
    assert.equal(c.dropConnection(), true);
    assert.equal(c.state, 'reconnecting', 'lost at once, not after a close handshake');
    void c.sendToRoom('general', 'written offline').catch(() => {});
    assert.equal(c.pending()[0]?.state, 'queued', 'waits in the outbox');
    assert.equal(c.dropConnection(), false, 'nothing to drop while reconnecting');
    assert.equal(c.reconnectNow(), true);
    await waitFor(c, 'ready');
    assert.equal(s.connections.length, 2);
    c.close();
  });

  test('a request without a reply rejects with SB_ERR_TIMEOUT', async () => {
    const s = await stub((ws, _i, f) => {
      if (f.type === 'hello') ws.send(reply(f, helloResult()));
    });
    stubs.push(s);
    const c = makeClient({ url: s.url, handle: 'stub', requestTimeout: 200 });
    await c.connect();
    await assert.rejects(c.listRooms(), (e: SwitchboardError) => e.code === 'SB_ERR_TIMEOUT');
    c.close();
  });
});
