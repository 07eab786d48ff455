/**
 * What every protocol-level test client does, whatever carries its frames: wait (bounded) for a
 * frame, correlate replies by id, say hello. Subclasses provide the frames and a change signal.
 */
export type Frame = Record<string, unknown> & { type: string };

export abstract class ProtocolClient {
  user = '';
  token = '';
  private nextId = 1;

  /** Every frame sent with an id, by id: what each reply answers (see wire-check.ts). */
  readonly sent = new Map<unknown, Frame>();

  /** Every frame received so far, in order. */
  abstract all(): Frame[];
  protected abstract write(frame: object): void;

  send(frame: object): void {
    const f = frame as Frame;
    if (f.id !== undefined) this.sent.set(f.id, f);
    this.write(frame);
  }
  /** The close code once the connection is closed, else null. */
  protected abstract get closedWith(): number | null;
  /** Resolves on the next received message or close, or after `ms`. */
  protected abstract changed(ms: number): Promise<void>;
  protected abstract readonly defaultTimeoutMs: number;

  /** Waits (bounded) until a frame matching `pred` has arrived; returns it. */
  async waitFor(pred: (f: Frame) => boolean, timeoutMs = this.defaultTimeoutMs): Promise<Frame> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.all().find(pred);
      if (hit) return hit;
      if (this.closedWith !== null) throw new Error(`closed ${this.closedWith} while waiting`);
      const left = until - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out; last frames: ${JSON.stringify(this.all().slice(-5)).slice(0, 2000)}`,
        );
      }
      await this.changed(Math.min(left, 100));
    }
  }

  /** Waits (bounded) for the connection to close; resolves with the close code. */
  async waitClosed(timeoutMs = this.defaultTimeoutMs): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (this.closedWith === null) {
      if (Date.now() > until) throw new Error('not closed in time');
      await this.changed(50);
    }
    return this.closedWith;
  }

  /** Sends a command and resolves with its reply or error frame. */
  async request(frame: Record<string, unknown>, timeoutMs?: number): Promise<Frame> {
    const id = this.nextId++;
    this.send({ ...frame, id });
    return this.waitFor(
      (f) => (f.type === 'reply' || f.type === 'error') && f.id === id,
      timeoutMs,
    );
  }

  /** Like request, but throws on an error frame and returns `data`. */
  async call<T = Record<string, unknown>>(
    frame: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<T> {
    const r = await this.request(frame, timeoutMs);
    if (r.type === 'error') throw new Error(`${String(r.code)}: ${String(r.message)}`);
    return r.data as T;
  }

  async hello(
    extra: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>> {
    const data = await this.call({ type: 'hello', protocol: 1, ...extra }, timeoutMs);
    this.user = data.user as string;
    this.token = data.token as string;
    return data;
  }

  messages(channel?: string): Frame[] {
    return this.all().filter((f) => f.type === 'message' && (!channel || f.channel === channel));
  }
}
