/**
 * The operator's auth backend for the webhook tests: a real HTTP server on loopback that checks
 * the HMAC signature as a real one would, records each request and answers by `reply`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const HOOK_SECRET = 'webhook-test-secret';

export type Reply = (body: { credentials: Record<string, string> }, res: ServerResponse) => void;

/** The operator's backend: verifies the HMAC like a real one, records and answers by `reply`. */
export class Backend {
  reply: Reply = (_b, res) => json(res, 200, { allow: false });
  requests: { credentials: Record<string, string> }[] = [];
  badSignatures = 0;
  readonly #server: Server = createServer((req, res) => void this.#handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/auth`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((r) => this.#server.close(() => r()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const ts = String(req.headers['x-switchboard-timestamp']);
    const expected = `sha256=${createHmac('sha256', HOOK_SECRET).update(`${ts}.${raw}`).digest('hex')}`;
    const given = String(req.headers['x-switchboard-signature']);
    const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
    if (
      !fresh ||
      given.length !== expected.length ||
      !timingSafeEqual(Buffer.from(given), Buffer.from(expected))
    ) {
      this.badSignatures++;
      return json(res, 401, { error: 'bad signature' });
    }
    const body = JSON.parse(raw) as { credentials: Record<string, string> };
    this.requests.push(body);
    this.reply(body, res);
  }
}

export function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
