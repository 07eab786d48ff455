/**
 * The transport conformance suite: every Transport runs it through a small client adapter.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ConnectionEvents,
  Transport,
  TransportConnection,
} from '../../src/transport/transport.js';

export interface TestPeer {
  sendText(text: string): void;
  sendBinary(): void;
  /** Messages received so far. */
  received(): string[];
  /** Resolves with the close code once closed. */
  closed(): Promise<number>;
  close(): void;
}

export interface TransportFactory {
  /** A started transport plus a way to open client peers to it. */
  create(): Promise<{
    transport: Transport;
    connect: () => Promise<TestPeer>;
    dispose: () => Promise<void>;
  }>;
}

interface Recorded {
  conn: TransportConnection;
  texts: string[];
  binaries: number;
  closes: number[];
}

async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function transportConformance(name: string, factory: TransportFactory): void {
  describe(`Transport conformance: ${name}`, () => {
    async function setup() {
      const { transport, connect, dispose } = await factory.create();
      const conns: Recorded[] = [];
      await transport.start((conn): ConnectionEvents => {
        const r: Recorded = { conn, texts: [], binaries: 0, closes: [] };
        conns.push(r);
        return {
          onText: (t) => r.texts.push(t),
          onBinary: () => r.binaries++,
          onClose: (code) => r.closes.push(code),
        };
      });
      return { conns, connect, dispose: async () => (await transport.close(), await dispose()) };
    }

    it('delivers text messages in order, both ways', async () => {
      const { conns, connect, dispose } = await setup();
      const peer = await connect();
      await until(() => conns.length === 1, 'accept');
      for (let i = 0; i < 100; i++) peer.sendText(`c${i} ✓`);
      await until(() => conns[0]!.texts.length === 100, 'client messages');
      assert.deepEqual(
        conns[0]!.texts,
        Array.from({ length: 100 }, (_, i) => `c${i} ✓`),
      );
      for (let i = 0; i < 100; i++) conns[0]!.conn.send(i % 2 ? `s${i}` : Buffer.from(`s${i}`));
      await until(() => peer.received().length === 100, 'server messages');
      assert.deepEqual(
        peer.received(),
        Array.from({ length: 100 }, (_, i) => `s${i}`),
      );
      peer.close();
      await dispose();
    });

    it('reports binary messages through onBinary', async () => {
      const { conns, connect, dispose } = await setup();
      const peer = await connect();
      await until(() => conns.length === 1, 'accept');
      peer.sendBinary();
      await until(() => conns[0]!.binaries === 1, 'binary');
      assert.equal(conns[0]!.texts.length, 0);
      peer.close();
      await dispose();
    });

    it('closes with the given code and fires onClose exactly once', async () => {
      const { conns, connect, dispose } = await setup();
      const peer = await connect();
      await until(() => conns.length === 1, 'accept');
      conns[0]!.conn.close(4001, 'SB_ERR_SLOW_CONSUMER');
      conns[0]!.conn.close(4002, 'again');
      assert.equal(await peer.closed(), 4001);
      await until(() => conns[0]!.closes.length === 1, 'onClose');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(conns[0]!.closes.length, 1);
      conns[0]!.conn.send('after close is a no-op');
      await dispose();
    });

    it('fires onClose when the client goes away', async () => {
      const { conns, connect, dispose } = await setup();
      const peer = await connect();
      await until(() => conns.length === 1, 'accept');
      peer.close();
      await until(() => conns[0]!.closes.length === 1, 'onClose');
      await dispose();
    });
  });
}
