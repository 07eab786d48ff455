import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { WsTransport } from '../../src/transport/ws.js';
import { transportConformance, type TestPeer } from './conformance.js';

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
