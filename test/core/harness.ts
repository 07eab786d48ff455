/**
 * Builds a ChatCore on in-memory seams and drives it through MemoryTransport clients.
 */
import { HandleAuthenticator } from '../../src/auth/handle.js';
import type { SessionStore } from '../../src/auth/session-store.js';
import { MemoryBus, MemoryHub } from '../../src/bus/memory.js';
import { ChatCore, type CoreOptions, type Logger } from '../../src/core/chat-core.js';
import { MemoryPresence } from '../../src/presence/memory.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { MemoryTransport, type MemoryClient } from '../../src/transport/memory.js';
import { ProtocolClient, type Frame } from '../helpers/protocol-client.js';

export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export type { Frame };

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
      sessions: sessionsOf(store),
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

const SESSION_METHODS: (keyof SessionStore)[] = [
  'sessionByTokenHash',
  'sessionsByHandle',
  'claimSession',
  'setSessionExpiry',
];

/**
 * Every storage backend keeps the sessions too (a StoreBackend), so nodes sharing a store share
 * their users; `shared.store` stays typed Store for the tests that declare it so.
 */
function sessionsOf(store: Store): SessionStore {
  const candidate = store as Store & Partial<SessionStore>;
  if (SESSION_METHODS.every((m) => typeof candidate[m] === 'function'))
    return candidate as Store & SessionStore;
  throw new Error('startNode: a shared store must keep the sessions too (a StoreBackend)');
}

/** A protocol client over the in-memory transport. */
export class TestClient extends ProtocolClient {
  readonly frames: Frame[] = [];
  private seen = 0;
  protected readonly defaultTimeoutMs = 2000;

  constructor(readonly raw: MemoryClient) {
    super();
  }

  static connect(node: Node): TestClient {
    return new TestClient(node.transport.connect());
  }

  all(): Frame[] {
    for (; this.seen < this.raw.messages.length; this.seen++) {
      for (const line of this.raw.messages[this.seen]!.split('\n'))
        this.frames.push(JSON.parse(line) as Frame);
    }
    return this.frames;
  }

  protected write(frame: object): void {
    this.raw.sendText(JSON.stringify(frame));
  }

  protected get closedWith(): number | null {
    return this.raw.closeCode;
  }

  protected changed(ms: number): Promise<void> {
    return Promise.race([this.raw.changed(), new Promise<void>((r) => setTimeout(r, ms))]);
  }
}

export const tick = (ms = 10): Promise<void> => new Promise((r) => setTimeout(r, ms));
