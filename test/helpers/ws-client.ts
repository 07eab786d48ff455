/**
 * A raw protocol client over a real WebSocket, for integration tests: splits coalesced frames,
 * correlates replies by id, waits with bounded timeouts.
 */
import { WebSocket } from 'ws';

export type Frame = Record<string, unknown> & { type: string };

export class WsTestClient {
  readonly frames: Frame[] = [];
  closeCode: number | null = null;
  user = '';
  token = '';
  private nextId = 1;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      for (const line of (data as Buffer).toString('utf8').split('\n')) {
        const f = JSON.parse(line) as Frame;
        if (f.type === 'ping') ws.send('{"type":"pong"}');
        this.frames.push(f);
      }
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    ws.on('error', () => {});
  }

  static async connect(url: string): Promise<WsTestClient> {
    const ws = new WebSocket(url);
    const c = new WsTestClient(ws);
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    return c;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async waitFor(pred: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.find(pred);
      if (hit) return hit;
      if (this.closeCode !== null) throw new Error(`closed ${this.closeCode} while waiting`);
      const left = until - Date.now();
      if (left <= 0)
        throw new Error(`timed out; last frames: ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, Math.min(left, 100));
      });
    }
  }

  async closed(timeoutMs = 5000): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (this.closeCode === null) {
      if (Date.now() > until) throw new Error('not closed in time');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.closeCode;
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  async request(frame: Record<string, unknown>, timeoutMs?: number): Promise<Frame> {
    const id = this.nextId++;
    this.send({ ...frame, id });
    return this.waitFor(
      (f) => (f.type === 'reply' || f.type === 'error') && f.id === id,
      timeoutMs,
    );
  }

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
    return this.frames.filter((f) => f.type === 'message' && (!channel || f.channel === channel));
  }

  close(): void {
    this.ws.close();
  }
}
