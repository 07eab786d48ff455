import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as wsModule from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { TransportConnection } from '../../src/transport/transport.js';
import { WsTransport } from '../../src/transport/ws.js';
import { SHARED_FRAME_MAX_BYTES, sendShared, textFrame } from '../../src/transport/ws-frame.js';
import { transportConformance, type TestPeer } from './conformance.js';

/** ws's frame builder: exported by the package, not typed by @types/ws. */
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
};

async function peer(url: string): Promise<TestPeer> {
  const ws = new WebSocket(url);
  const received: string[] = [];
  const closed = new Promise<number>((res) => ws.once('close', (code) => res(code)));
  ws.on('message', (d) => received.push((d as Buffer).toString('utf8')));
  ws.on('error', () => {});
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  return {
    sendText: (t) => ws.send(t),
    sendBinary: () => ws.send(Buffer.from([0, 1]), { binary: true }),
    received: () => received,
    closed: () => closed,
    close: () => ws.close(),
  };
}

transportConformance('ws', {
  create: async () => {
    const server = createServer();
    const transport = new WsTransport({ server, maxPayload: 65536, closeGrace: 200 });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const { port } = server.address() as AddressInfo;
    return {
      transport,
      connect: () => peer(`ws://127.0.0.1:${port}/ws`),
      dispose: async () => {
        server.closeAllConnections();
        await new Promise((res) => server.close(res));
      },
    };
  },
});

describe('WsTransport control frames', () => {
  it('answers a WebSocket ping with a pong of the same data', async () => {
    const server = createServer();
    const transport = new WsTransport({ server, maxPayload: 65536 });
    await transport.start(() => ({ onText: () => {}, onBinary: () => {}, onClose: () => {} }));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const { port } = server.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));
    const pong = new Promise<Buffer>((res) => ws.once('pong', res));
    ws.ping(Buffer.from('are you there'));
    assert.equal((await pong).toString(), 'are you there');
    ws.terminate();
    await transport.close();
    server.closeAllConnections();
    await new Promise((res) => server.close(res));
  });
});

describe('WsTransport shared frames', () => {
  /** A transport whose accepted connections are handed to the test, and `n` clients of it. */
  async function fixture(n: number) {
    const server = createServer();
    const transport = new WsTransport({ server, maxPayload: 1 << 20 });
    const conns: TransportConnection[] = [];
    await transport.start((c) => {
      conns.push(c);
      return { onText: () => {}, onBinary: () => {}, onClose: () => {} };
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const { port } = server.address() as AddressInfo;
    const clients = await Promise.all(
      Array.from({ length: n }, async () => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
        const got: string[] = [];
        ws.on('message', (d, binary) =>
          got.push(`${binary ? 'binary' : 'text'}:${(d as Buffer).toString('utf8')}`),
        );
        await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));
        return { ws, got };
      }),
    );
    while (conns.length < n) await new Promise((r) => setTimeout(r, 5));
    const dispose = async (): Promise<void> => {
      for (const c of clients) c.ws.terminate();
      await transport.close();
      server.closeAllConnections();
      await new Promise((res) => server.close(res));
    };
    return { conns, clients, dispose };
  }

  it('frames a payload exactly as ws does, at every length boundary', () => {
    for (const n of [0, 1, 125, 126, 127, 65535, 65536, 70_000]) {
      const payload = Buffer.alloc(n, 'é'.charCodeAt(0) % 128);
      const ws = Sender.frame(payload, {
        fin: true,
        opcode: 1,
        mask: false,
        readOnly: false,
        rsv1: false,
      });
      assert.deepEqual(textFrame(payload), Buffer.concat(ws), `length ${n}`);
    }
  });

  it('delivers one Buffer to every recipient intact and in order with other frames', async () => {
    const f = await fixture(3);
    try {
      const sizes = [0, 5, 125, 126, 200, 65535, 65536, SHARED_FRAME_MAX_BYTES + 1];
      const expected: string[] = [];
      for (const [i, size] of sizes.entries()) {
        const text = `${i}:`.padEnd(Math.max(size, 2), 'ü').slice(0, Math.max(size, 2));
        const shared = Buffer.from(text);
        for (const c of f.conns) c.send(shared); // one broadcast: the same Buffer to all
        for (const c of f.conns) c.send(`reply ${i}`); // a string: ws.send
        expected.push(`text:${text}`, `text:reply ${i}`);
      }
      const deadline = Date.now() + 5000;
      while (f.clients.some((c) => c.got.length < expected.length) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      for (const c of f.clients) assert.deepEqual(c.got, expected);
    } finally {
      await f.dispose();
    }
  });

  it('counts shared frames a client has not read in bufferedAmount (slow-consumer checks)', async () => {
    const f = await fixture(2);
    try {
      // The second client stops reading: what it is sent piles up on the server's side.
      (f.clients[1]!.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const payload = Buffer.alloc(60_000, 'x');
      for (let i = 0; i < 200; i++) for (const c of f.conns) c.send(payload);
      // 12 MB to the paused client: more than loopback's socket buffers hold.
      assert.ok(f.conns[1]!.bufferedAmount > 1_000_000, String(f.conns[1]!.bufferedAmount));
    } finally {
      await f.dispose();
    }
  });

  it('writes the shared frame from the second recipient on, and never past a busy sender', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((res) => server.once('listening', res));
    const { port } = server.address() as AddressInfo;
    const accepted: WebSocket[] = [];
    server.on('connection', (ws) => accepted.push(ws));
    // One at a time, so that clients[i] is the other end of accepted[i].
    const clients: { ws: WebSocket; got: string[] }[] = [];
    for (let i = 0; i < 3; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`);
      const got: string[] = [];
      ws.on('message', (d) => got.push((d as Buffer).toString('utf8')));
      clients.push({ ws, got });
      await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));
      while (accepted.length <= i) await new Promise((r) => setTimeout(r, 5));
    }
    try {
      const [a, b, c] = accepted as [WebSocket, WebSocket, WebSocket];
      const payload = Buffer.from('{"type":"message","text":"hi"}');
      assert.equal(sendShared(a, payload), false, 'first recipient: ws.send, no copy');
      a.send(payload, { binary: false });
      assert.equal(sendShared(b, payload), true);
      // A sender with a frame pending (ws's DEFLATING state) keeps its order: ws.send queues it.
      const sender = (c as unknown as { _sender: { _state: number } })._sender;
      sender._state = 1;
      assert.equal(sendShared(c, payload), false);
      sender._state = 0;
      assert.equal(sendShared(c, payload), true);
      const other = Buffer.from(payload);
      assert.equal(sendShared(c, other), false, 'another Buffer: a new payload');
      c.send(other, { binary: false });
      // Two payloads interleaved (two channels' batches in one turn) keep their frames.
      assert.equal(sendShared(a, other), true);
      assert.equal(sendShared(b, payload), true);
      assert.equal(sendShared(b, other), true);
      const deadline = Date.now() + 5000;
      const want = [2, 3, 2];
      while (clients.some((x, i) => x.got.length < want[i]!) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      const text = String(payload);
      assert.deepEqual(clients[0]!.got, [text, text]);
      assert.deepEqual(clients[1]!.got, [text, text, text]);
      assert.deepEqual(clients[2]!.got, [text, text]);
    } finally {
      for (const x of clients) x.ws.terminate();
      await new Promise((res) => server.close(res));
    }
  });
});
