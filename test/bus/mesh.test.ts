import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { Bus, BusHandler, ReconnectHandler } from '../../src/bus/bus.js';
import { MeshBus, type MeshBusOptions } from '../../src/bus/mesh.js';
import { computeProof, encodeControl, encodeData, newNonce } from '../../src/bus/mesh-protocol.js';
import type { Logger } from '../../src/logger.js';
import { MeshCloseCode } from '../../src/protocol/close-codes.js';
import { freePort } from '../helpers/brokers/common.js';
import { busConformance } from './conformance.js';

const SECRET = 'test-secret-0123456789abcdef';
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

function mesh(nodeId: string, port: number, peers: number[], extra: Partial<MeshBusOptions> = {}) {
  return new MeshBus({
    nodeId,
    listen: { host: '127.0.0.1', port },
    peers: peers.map((p) => `127.0.0.1:${p}`),
    secret: SECRET,
    retryMinMs: 20,
    retryMaxMs: 200,
    ...extra,
  });
}

/**
 * A case's node for the conformance suite: `start` resolves only once the node is linked to
 * every other node of the case whose start has begun, so the suite never publishes into a
 * half-built mesh (for each pair, the one that starts later waits for the link).
 */
class CaseNode implements Bus {
  started = false;
  inner!: MeshBus;
  constructor(
    readonly nodeId: string,
    private readonly peersOf: () => CaseNode[],
  ) {}
  async start(handler: BusHandler, onReconnect?: ReconnectHandler): Promise<void> {
    this.started = true;
    await this.inner.start(handler, onReconnect);
    const others = (): string[] =>
      this.peersOf()
        .filter((n) => n !== this && n.started && n.inner.ready())
        .map((n) => n.nodeId);
    await until(
      () => others().every((id) => this.inner.linkedPeers().includes(id)),
      `${this.nodeId} linked`,
    );
  }
  subscribe = (topic: string): Promise<void> => this.inner.subscribe(topic);
  unsubscribe = (topic: string): Promise<void> => this.inner.unsubscribe(topic);
  publish = (topic: string, payload: string): Promise<void> => this.inner.publish(topic, payload);
  ready = (): boolean => this.inner.ready();
  close = (): Promise<void> => this.inner.close();
}

// Allocated once per case; the suite calls create() for a case's nodes concurrently.
let casePorts: Promise<number[]> | null = null;
let caseNodes: CaseNode[] = [];

busConformance('mesh', {
  async create(nodeId) {
    casePorts ??= Promise.all([1, 2, 3].map(() => freePort()));
    const index = caseNodes.length;
    const node = new CaseNode(nodeId, () => caseNodes);
    caseNodes.push(node);
    const ports = await casePorts;
    assert.ok(index < ports.length, 'at most 3 nodes per case');
    node.inner = mesh(nodeId, ports[index]!, ports);
    return node;
  },
  async cleanup() {
    casePorts = null;
    caseNodes = [];
  },
});

interface Received {
  topic: string;
  payload: string;
}

describe('MeshBus', () => {
  const open: MeshBus[] = [];
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((b) => b.close()));
  });

  interface Node {
    bus: MeshBus;
    got: Received[];
    reconnects: () => number;
  }

  async function node(
    id: string,
    port: number,
    peers: number[],
    extra: Partial<MeshBusOptions> = {},
  ): Promise<Node> {
    const bus = mesh(id, port, peers, extra);
    open.push(bus);
    const got: Received[] = [];
    let reconnects = 0;
    await bus.start(
      (topic, payload) => got.push({ topic, payload }),
      () => reconnects++,
    );
    return { bus, got, reconnects: () => reconnects };
  }

  const linked = (bus: MeshBus, ...ids: string[]): Promise<void> =>
    until(() => ids.every((id) => bus.linkedPeers().includes(id)), `${bus.nodeId} linked`);

  test('re-dials a peer restarted on the same port, calls onReconnect and delivers again', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = await node('a', pa, [pa, pb]);
    const b = await node('b', pb, [pa, pb]);
    await linked(a.bus, 'b');
    await a.bus.subscribe('to-a');
    await b.bus.subscribe('to-b');
    await a.bus.publish('to-b', 'before');
    await until(() => b.got.length === 1, 'before');

    await b.bus.close();
    await until(() => a.bus.linkedPeers().length === 0, 'a to see the loss');
    const b2 = await node('b', pb, [pa, pb]);
    await until(() => a.reconnects() === 1, 'onReconnect at a');
    assert.equal(a.bus.ready(), true);
    // a's subscription made before the restart reaches the new b without a new subscribe.
    await b2.bus.publish('to-a', 'after');
    await until(() => a.got.some((r) => r.payload === 'after'), 'after at a');
    await b2.bus.subscribe('to-b');
    await a.bus.publish('to-b', 'again');
    await until(() => b2.got.some((r) => r.payload === 'again'), 'again at new b');
  });

  test('finds a peer that starts later by retrying (the late peer lists only itself)', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = await node('a', pa, [pa, pb]);
    await delay(300);
    assert.deepEqual(a.bus.linkedPeers(), []);
    const b = await node('b', pb, [pb]);
    await linked(b.bus, 'a');
    await b.bus.subscribe('t');
    await a.bus.publish('t', 'found');
    await until(() => b.got.length === 1, 'payload at b');
    assert.equal(a.reconnects(), 0, 'a first link is not a reconnect');
  });

  test('refuses a node with a wrong secret and delivers nothing from it', async () => {
    const [pa, px] = [await freePort(), await freePort()];
    const logged: object[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (obj) => logged.push(obj),
      error: (obj) => logged.push(obj),
    };
    const a = await node('a', pa, [pa, px], { logger });
    await a.bus.subscribe('t');
    const x = await node('x', px, [pa, px], { secret: 'a-different-secret-entirely' });
    await x.bus.subscribe('t');
    await until(
      () => logged.some((o) => 'code' in o && o.code === MeshCloseCode.AUTH_FAILED),
      'an auth failure logged at a',
    );
    await x.bus.publish('t', 'forged');
    await a.bus.publish('t', 'secret');
    await delay(200);
    assert.deepEqual(a.bus.linkedPeers(), []);
    assert.deepEqual(x.bus.linkedPeers(), []);
    assert.deepEqual(a.got, []);
    assert.deepEqual(x.got, []);
    assert.equal(a.bus.stats.dataIn, 0);
  });

  /** Opens a raw socket to a mesh listener and records its close code and reason. */
  function raw(port: number, headers: Record<string, string> = {}) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers });
    const frames: string[] = [];
    ws.on('message', (d) => frames.push((d as Buffer).toString()));
    let reason = '';
    const closed = new Promise<number>((resolve) =>
      ws.on('close', (code, why) => {
        reason = why.toString();
        resolve(code);
      }),
    );
    const opened = new Promise<void>((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    return { ws, frames, closed, opened, reason: () => reason };
  }

  test('closes a socket that sends data without the handshake (SB_ERR_MESH_PROTOCOL_ERROR)', async () => {
    const pa = await freePort();
    const a = await node('a', pa, [pa]);
    await a.bus.subscribe('t');
    const client = raw(pa);
    await client.opened;
    client.ws.send(encodeData('t', 'forged'));
    assert.equal(await client.closed, MeshCloseCode.PROTOCOL_ERROR);
    assert.equal(client.reason(), 'SB_ERR_MESH_PROTOCOL_ERROR');
    await delay(50);
    assert.deepEqual(a.got, []);
  });

  test('closes a socket whose proof is wrong before any data is accepted (SB_ERR_MESH_AUTH_FAILED)', async () => {
    const pa = await freePort();
    const a = await node('a', pa, [pa]);
    await a.bus.subscribe('t');
    const client = raw(pa);
    await client.opened;
    const nonce = newNonce();
    client.ws.send(encodeControl({ t: 'hello', v: 1, node: 'mallory', inst: randomUUID(), nonce }));
    const fakeProof = computeProof('guessed-secret-000000', {
      role: 'dialer',
      node: 'mallory',
      inst: 'x',
      peerNode: 'a',
      nonce,
      peerNonce: nonce,
    });
    client.ws.send(encodeControl({ t: 'auth', proof: fakeProof.toString('base64') }));
    client.ws.send(encodeData('t', 'forged'));
    assert.equal(await client.closed, MeshCloseCode.AUTH_FAILED);
    assert.equal(client.reason(), 'SB_ERR_MESH_AUTH_FAILED');
    await delay(50);
    assert.deepEqual(a.got, []);
    assert.deepEqual(a.bus.linkedPeers(), []);
  });

  test('refuses browser upgrades (an Origin header) with HTTP 403', async () => {
    const pa = await freePort();
    await node('a', pa, [pa]);
    const client = raw(pa, { Origin: 'https://evil.example' });
    await assert.rejects(client.opened, /403/);
  });

  test('sends a payload only to the node subscribed to its topic (4 nodes)', async () => {
    const ports = await Promise.all([1, 2, 3, 4].map(() => freePort()));
    const ids = ['a', 'b', 'c', 'd'];
    const nodes = await Promise.all(ids.map((id, i) => node(id, ports[i]!, ports)));
    const [a, b, c, d] = nodes as [Node, Node, Node, Node];
    for (const n of [a, b, c, d]) {
      await linked(n.bus, ...['a', 'b', 'c', 'd'].filter((id) => id !== n.bus.nodeId));
    }
    await c.bus.subscribe('u.alice');
    for (let i = 0; i < 10; i++) await a.bus.publish('u.alice', `dm ${i}`);
    await until(() => c.got.length === 10, '10 payloads at c');
    await delay(100);
    assert.deepEqual(
      [a, b, c, d].map((n) => n.got.length),
      [0, 0, 10, 0],
    );
    assert.deepEqual(
      [a, b, c, d].map((n) => n.bus.stats.dataIn),
      [0, 0, 10, 0],
      'frames went only to the interested node',
    );
    assert.equal(a.bus.stats.dataOut, 10);
  });

  test('starts and publishes as a lone node whose peers are unreachable', async () => {
    const [pa, dead1, dead2] = [await freePort(), await freePort(), await freePort()];
    const a = await node('a', pa, [pa, dead1, dead2]);
    assert.equal(a.bus.ready(), true);
    await a.bus.subscribe('t');
    await a.bus.publish('t', 'nobody listens');
    await delay(100);
    assert.deepEqual(a.got, []);
    assert.deepEqual(a.bus.linkedPeers(), []);
  });

  test('listens on port 0 and exposes the bound port', async () => {
    const a = await node('a', 0, []);
    assert.ok(a.bus.port > 0);
    const b = await node('b', 0, [a.bus.port]);
    await linked(b.bus, 'a');
  });
});
