/**
 * A real webhook receiver on loopback for the delivery tests: it checks every request's
 * signature, answers as `respond` decides (200, 500, never, or 200 after a delay), records what
 * it answered 2xx to, and can be closed and started again on the same port (a restart).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '../../src/webhooks/signature.js';

export interface Delivery {
  id: string;
  type: string;
  position: number;
  channel: string | null;
  data: Record<string, unknown>;
}

/** What to do with the n-th request (1-based): a status, 'hang', or `{late: ms}` (200 late). */
export type Answer = number | 'hang' | { late: number };

export class WebhookReceiver {
  server: Server;
  port = 0;
  /** Requests seen (any answer). */
  requests = 0;
  /** Bodies answered 2xx, in the order answered. */
  readonly acknowledged: Delivery[] = [];
  /** Requests whose signature did not verify. */
  badSignatures = 0;
  readonly #hung: ServerResponse[] = [];

  constructor(
    readonly secret: string,
    public respond: (n: number, d: Delivery) => Answer = () => 200,
  ) {
    this.server = this.#make();
  }

  #make(): Server {
    return createServer((req, res) => void this.#handle(req, res));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    const n = ++this.requests;
    if (!verify(this.secret, String(req.headers['switchboard-signature']), body)) {
      this.badSignatures++;
      res.writeHead(400).end();
      return;
    }
    const d = JSON.parse(body) as Delivery;
    if (req.headers['switchboard-event-id'] !== d.id) this.badSignatures++;
    const answer = this.respond(n, d);
    if (answer === 'hang') {
      this.#hung.push(res);
      return;
    }
    if (typeof answer === 'object') {
      setTimeout(() => {
        if (res.destroyed) return;
        this.acknowledged.push(d);
        res.writeHead(200).end();
      }, answer.late);
      return;
    }
    if (answer >= 200 && answer < 300) this.acknowledged.push(d);
    res.writeHead(answer).end();
  }

  async listen(port = this.port): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Closes (dropping every connection, hung ones too) and listens again on the same port. */
  async restart(): Promise<void> {
    await this.close();
    this.server = this.#make();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    for (const res of this.#hung.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Acknowledged deliveries with duplicates (by id) removed, first occurrence kept. */
  unique(): Delivery[] {
    const seen = new Set<string>();
    return this.acknowledged.filter((d) => !seen.has(d.id) && seen.add(d.id));
  }

  /** Waits (bounded) until `pred` holds. */
  async until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
