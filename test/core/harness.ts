/**
 * Builds a ChatCore on in-memory seams and drives it through MemoryTransport clients.
 */
import { HandleAuthenticator } from '../../src/auth/handle.js';
import { MemoryBus, MemoryHub } from '../../src/bus/memory.js';
import { ChatCore, type CoreOptions, type Logger } from '../../src/core/chat-core.js';
import { MemoryPresence } from '../../src/presence/memory.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { MemoryTransport, type MemoryClient } from '../../src/transport/memory.js';

export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export type Frame = Record<string, unknown> & { type: string };

export interface Node {
  core: ChatCore;
  transport: MemoryTransport;
  store: Store;
  stop(): Promise<void>;
}

export async function startNode(
  overrides: Partial<CoreOptions> = {},
  shared: { store?: Store; hub?: MemoryHub } = {},
): Promise<Node> {
  const store = shared.store ?? new MemoryStore();
  if (!shared.store) await store.createChannel('room:general', 'room', 'system', Date.now());
  const core = new ChatCore({
    store,
    bus: new MemoryBus(shared.hub ?? new MemoryHub()),
    presence: new MemoryPresence(),
    auth: new HandleAuthenticator({
      sessions: store,
      ttlMs: 3_600_000,
      onReclaim: (handle) => store.forgetUser(handle),
    }),
    logger: quietLogger,
    maxMessageBytes: 4096,
    maxBufferedBytes: 1 << 20,
    rateLimit: 1000,
    rateBurst: 1000,
    floodLimit: 100,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    presenceInterval: 20,
    memberEventsLimit: 1000,
    ...overrides,
  });
  await core.start();
  const transport = new MemoryTransport();
  await transport.start((c) => core.accept(c));
  return {
    core,
    transport,
    store,
    stop: async () => {
      await core.drain(0);
      await core.stop();
    },
  };
}

/** A protocol-level test client: frames in, replies correlated by id. */
export class TestClient {
  readonly frames: Frame[] = [];
  private seen = 0;
  private nextId = 1;
  user = '';
  token = '';

  constructor(readonly raw: MemoryClient) {}

  static connect(node: Node): TestClient {
    return new TestClient(node.transport.connect());
  }

  private sync(): void {
    for (; this.seen < this.raw.messages.length; this.seen++) {
      for (const line of this.raw.messages[this.seen]!.split('\n'))
        this.frames.push(JSON.parse(line) as Frame);
    }
  }

  all(): Frame[] {
    this.sync();
    return this.frames;
  }

  /** Waits (bounded) until a frame matching `pred` has arrived; returns it. */
  async waitFor(pred: (f: Frame) => boolean, timeoutMs = 2000): Promise<Frame> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.all().find(pred);
      if (hit) return hit;
      if (this.raw.closeCode !== null)
        throw new Error(`closed ${this.raw.closeCode} while waiting`);
      const left = until - Date.now();
      if (left <= 0)
        throw new Error(`timed out; frames: ${JSON.stringify(this.frames).slice(0, 2000)}`);
      await Promise.race([
        this.raw.changed(),
        new Promise((r) => setTimeout(r, Math.min(left, 50))),
      ]);
    }
  }

  async waitClosed(timeoutMs = 2000): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (this.raw.closeCode === null) {
      if (Date.now() > until) throw new Error('not closed');
      await Promise.race([this.raw.changed(), new Promise((r) => setTimeout(r, 20))]);
    }
    return this.raw.closeCode;
  }

  send(frame: object): void {
    this.raw.sendText(JSON.stringify(frame));
  }

  /** Sends a command and resolves with its reply or error frame. */
  async request(frame: Record<string, unknown>): Promise<Frame> {
    const id = this.nextId++;
    this.send({ ...frame, id });
    return this.waitFor((f) => (f.type === 'reply' || f.type === 'error') && f.id === id);
  }

  /** Like request, but throws on an error frame and returns `data`. */
  async call<T = Record<string, unknown>>(frame: Record<string, unknown>): Promise<T> {
    const r = await this.request(frame);
    if (r.type === 'error') throw new Error(`${String(r.code)}: ${String(r.message)}`);
    return r.data as T;
  }

  async hello(extra: Record<string, unknown>): Promise<Record<string, unknown>> {
    const data = await this.call({ type: 'hello', protocol: 1, ...extra });
    this.user = data.user as string;
    this.token = data.token as string;
    return data;
  }

  messages(channel?: string): Frame[] {
    return this.all().filter((f) => f.type === 'message' && (!channel || f.channel === channel));
  }
}

export const tick = (ms = 10): Promise<void> => new Promise((r) => setTimeout(r, ms));
