/**
 * In-process transport: connections are pairs of objects, no sockets. Lets the chat core be
 * tested without a network, and is the reference for the transport conformance suite.
 */
import type {
  AcceptHandler,
  ConnectionEvents,
  Transport,
  TransportConnection,
} from './transport.js';

/** The client end of an in-memory connection. */
export class MemoryClient {
  /** Every WebSocket message received, as text. */
  readonly messages: string[] = [];
  closeCode: number | null = null;
  closeReason = '';
  /** Simulates a client that stopped reading: bufferedAmount grows instead of delivering. */
  paused = false;
  private listeners: (() => void)[] = [];

  constructor(
    private readonly events: ConnectionEvents,
    readonly server: MemoryServerConnection,
  ) {}

  sendText(text: string): void {
    if (this.closeCode === null) this.events.onText(text);
  }

  sendBinary(): void {
    if (this.closeCode === null) this.events.onBinary();
  }

  /** Drop the connection from the client side (like a network loss). */
  drop(): void {
    this.server.closeFromPeer(1006);
  }

  receive(data: string): void {
    this.messages.push(data);
    for (const l of this.listeners.splice(0)) l();
  }

  onClosed(code: number, reason: string): void {
    this.closeCode = code;
    this.closeReason = reason;
    for (const l of this.listeners.splice(0)) l();
  }

  /** Resolves on the next message or close. */
  changed(): Promise<void> {
    return new Promise((res) => this.listeners.push(res));
  }
}

export class MemoryServerConnection implements TransportConnection {
  readonly remoteAddress = 'memory';
  client!: MemoryClient;
  private buffered = 0;
  private closed = false;

  constructor(private readonly events: () => ConnectionEvents) {}

  get bufferedAmount(): number {
    return this.buffered;
  }

  send(data: string | Buffer): void {
    if (this.closed) return;
    const text = typeof data === 'string' ? data : data.toString('utf8');
    if (this.client.paused) {
      this.buffered += Buffer.byteLength(text);
      return;
    }
    queueMicrotask(() => this.client.receive(text));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => {
      this.client.onClosed(code, reason);
      this.events().onClose(code);
    });
  }

  closeFromPeer(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.client.onClosed(code, '');
    this.events().onClose(code);
  }
}

export class MemoryTransport implements Transport {
  private accept: AcceptHandler | null = null;

  async start(accept: AcceptHandler): Promise<void> {
    this.accept = accept;
  }

  async close(): Promise<void> {
    this.accept = null;
  }

  /** Open a connection to the server side. */
  connect(): MemoryClient {
    if (!this.accept) throw new Error('MemoryTransport is not started');
    let events: ConnectionEvents | null = null;
    const server = new MemoryServerConnection(() => events!);
    events = this.accept(server);
    const client = new MemoryClient(events, server);
    server.client = client;
    return client;
  }
}
