/**
 * One soak user over a raw WebSocket: says hello (a handle the first time, then its session
 * token with every channel resumed from its ledger position), sends with a cid like the SDK's
 * outbox (retried with the same cid until stored), and records every message it is given.
 */
import { WebSocket } from 'ws';
import { Ledger } from './ledger.js';

type Frame = Record<string, unknown> & { type: string };

export class SoakUser {
  readonly ledger = new Ledger();
  token = '';
  sent = 0;
  /** Connections opened so far, and how the current one started (for the repeats report). */
  private conns = 0;
  private started = '';
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { done: (f: Frame) => void; fail: (e: Error) => void }
  >();

  constructor(
    readonly name: string,
    readonly rooms: string[],
    readonly peer: string,
  ) {}

  get online(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  async connect(url: string): Promise<void> {
    const ws = new WebSocket(url);
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    ws.on('error', () => {});
    ws.on('message', (data) => this.receive((data as Buffer).toString('utf8')));
    ws.on('close', () => {
      if (this.ws === ws) this.ws = null;
      for (const w of this.waiting.values()) w.fail(new Error('closed'));
      this.waiting.clear();
    });
    this.ws = ws;
    this.conns++;
    const hello =
      this.token === ''
        ? { handle: this.name }
        : { token: this.token, resume: this.resumePositions() };
    this.started = JSON.stringify(hello.resume ?? []);
    const r = await this.request({ type: 'hello', protocol: 1, presence: false, ...hello });
    if (r.type !== 'reply') throw new Error(`${this.name}: hello ${String(r.code)}`);
    this.token = (r.data as { token: string }).token;
  }

  private resumePositions(): { channel: string; after: number }[] {
    const known = new Set(this.ledger.channelIds());
    const out = this.ledger.resume();
    for (const room of this.rooms)
      if (!known.has(`room:${room}`)) out.push({ channel: `room:${room}`, after: 0 });
    return out;
  }

  close(): Promise<void> {
    const ws = this.ws;
    if (!ws) return Promise.resolve();
    return new Promise((res) => {
      ws.once('close', () => res());
      ws.close();
    });
  }

  /** Resolves with the reply or error frame; rejects when the connection closes or times out. */
  request(frame: Record<string, unknown>, timeoutMs = 15_000): Promise<Frame> {
    const ws = this.ws;
    if (!ws) return Promise.reject(new Error('offline'));
    const id = this.nextId++;
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        fail(new Error('timeout'));
      }, timeoutMs);
      this.waiting.set(id, {
        done: (f) => (clearTimeout(timer), done(f)),
        fail: (e) => (clearTimeout(timer), fail(e)),
      });
      ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  /** Sends once; true when stored (the seq is recorded as the user's own). */
  async send(target: Record<string, unknown>, cid: string): Promise<boolean> {
    const r = await this.request({ type: 'send', ...target, text: `soak ${cid}`, cid });
    if (r.type !== 'reply') {
      if (r.retryable === true) return false;
      throw new Error(`${this.name}: send ${String(r.code)}`);
    }
    const m = (r.data as { message: { channel: string; seq: number } }).message;
    this.ledger.ack(m.channel, m.seq);
    return true;
  }

  private receive(text: string): void {
    for (const line of text.split('\n')) {
      const f = JSON.parse(line) as Frame;
      if (f.type === 'ping') this.ws?.send('{"type":"pong"}');
      else if (f.type === 'message')
        this.ledger.frame(
          f.channel as string,
          f.seq as number,
          `connection ${this.conns} resumed ${this.started}`,
        );
      else if ((f.type === 'reply' || f.type === 'error') && typeof f.id === 'number') {
        this.waiting.get(f.id)?.done(f);
        this.waiting.delete(f.id);
      }
    }
  }
}
