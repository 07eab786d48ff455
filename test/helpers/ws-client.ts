/**
 * A raw protocol client over a real WebSocket, for integration tests: splits coalesced frames,
 * correlates replies by id, waits with bounded timeouts.
 */
import { WebSocket } from 'ws';

import { ProtocolClient, type Frame } from './protocol-client.js';

export type { Frame };

export class WsTestClient extends ProtocolClient {
  readonly frames: Frame[] = [];
  closeCode: number | null = null;
  protected readonly defaultTimeoutMs = 5000;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    super();
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

  all(): Frame[] {
    return this.frames;
  }

  protected write(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  protected get closedWith(): number | null {
    return this.closeCode;
  }

  protected changed(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      this.waiters.push(r);
      setTimeout(r, ms);
    });
  }

  close(): void {
    this.ws.close();
  }
}
