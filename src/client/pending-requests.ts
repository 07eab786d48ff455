/** Request/reply correlation: ids, per-request timeouts, and failing everything on a drop. */
import { ERRORS, SwitchboardError, isErrorCode } from '../errors.js';

interface Pending {
  resolve(data: unknown): void;
  reject(err: SwitchboardError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class PendingRequests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * Allocates an id whose promise settles with the reply, or SB_ERR_TIMEOUT after timeoutMs.
   * `onReply` runs synchronously on arrival, before any frame that followed the reply.
   */
  open(onReply?: (data: unknown) => void): { id: number; reply: Promise<unknown> } {
    const id = this.nextId++;
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SwitchboardError('SB_ERR_TIMEOUT', `no reply within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const settle = onReply
        ? (data: unknown) => {
            onReply(data);
            resolve(data);
          }
        : resolve;
      this.pending.set(id, { resolve: settle, reject, timer });
    });
    return { id, reply };
  }

  /** False when the id is unknown (timed out already, or not ours). */
  resolve(id: unknown, data: unknown): boolean {
    const p = this.take(id);
    p?.resolve(data);
    return p !== undefined;
  }

  reject(id: unknown, err: SwitchboardError): boolean {
    const p = this.take(id);
    p?.reject(err);
    return p !== undefined;
  }

  rejectAll(err: SwitchboardError): void {
    for (const id of [...this.pending.keys()]) this.reject(id, err);
  }

  private take(id: unknown): Pending | undefined {
    if (typeof id !== 'number') return undefined;
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    clearTimeout(p.timer);
    return p;
  }
}

/** A wire error frame (or anything thrown) as a SwitchboardError; unknown codes become SB_ERR_INTERNAL. */
export function toError(err: unknown): SwitchboardError {
  if (err instanceof SwitchboardError) return err;
  const f = err as { code?: unknown; message?: unknown; retryAfter?: unknown } | null;
  const code = isErrorCode(f?.code) ? f.code : 'SB_ERR_INTERNAL';
  const message = typeof f?.message === 'string' ? f.message : ERRORS[code].message;
  const retryAfter = typeof f?.retryAfter === 'number' ? f.retryAfter : undefined;
  return new SwitchboardError(code, message, retryAfter === undefined ? undefined : { retryAfter });
}
