/**
 * A tiny router for the JSON API under one prefix (`/api/v1`): routes are a method and a path
 * pattern whose `:name` segments become params. A handler resolves `{status, body?}` or throws
 * a SwitchboardError; the router writes the JSON, or the problem (./problem.ts). An unknown path
 * is SB_ERR_HTTP_NOT_FOUND (404), a known path with another method SB_ERR_HTTP_METHOD_NOT_ALLOWED.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SwitchboardError } from '../errors.js';
import { sendProblem } from './problem.js';

export interface RouteContext {
  req: IncomingMessage;
  params: Record<string, string>;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Extra headers, e.g. `location` and `set-cookie` of a redirect. */
  headers?: Record<string, string | string[]>;
  /** A body streamed as is (a file), instead of JSON `body`. */
  stream?: AsyncIterable<Uint8Array>;
}

export type Handler = (ctx: RouteContext) => Promise<Reply>;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export class ApiRouter {
  readonly #routes: Route[] = [];

  /** @param prefix e.g. `/api/v1`; every route's path is below it. */
  constructor(
    readonly prefix: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  add(method: string, path: string, handler: Handler): this {
    this.#routes.push({ method, parts: path.split('/').filter(Boolean), handler });
    return this;
  }

  /** Every route, in OpenAPI form (`/rooms/{room}`), in the order added. */
  routes(): { method: string; path: string }[] {
    return this.#routes.map((r) => ({
      method: r.method,
      path: `/${r.parts.map((p) => (p.startsWith(':') ? `{${p.slice(1)}}` : p)).join('/')}`,
    }));
  }

  /** Whether `path` is under the prefix, and so answered by this router. */
  owns(path: string): boolean {
    return path === this.prefix || path.startsWith(`${this.prefix}/`);
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    const run = async (): Promise<Reply> => {
      const parts = path.slice(this.prefix.length).split('/').filter(Boolean);
      const matches = this.#routes.flatMap((r) => {
        const params = match(r.parts, parts);
        return params ? [{ route: r, params }] : [];
      });
      const hit = matches.find((m) => m.route.method === req.method);
      if (hit) return hit.route.handler({ req, params: hit.params });
      if (matches.length === 0) throw new SwitchboardError('SB_ERR_HTTP_NOT_FOUND');
      const allow = matches.map((m) => m.route.method).join(', ');
      throw new SwitchboardError('SB_ERR_HTTP_METHOD_NOT_ALLOWED', allow);
    };
    run().then(
      ({ status, body, headers = {}, stream }) => {
        if (stream) {
          res.writeHead(status, headers);
          // A client that goes away mid-file is no server error.
          pipeline(Readable.from(stream), res).catch(() => res.destroy());
        } else if (body === undefined) res.writeHead(status, headers).end();
        else
          res
            .writeHead(status, { ...headers, 'content-type': 'application/json' })
            .end(JSON.stringify(body));
      },
      (err: unknown) => {
        if (!(err instanceof SwitchboardError) || err.code === 'SB_ERR_INTERNAL') this.onError(err);
        // A body left unread (413) would otherwise keep the socket busy.
        if (!req.complete) res.setHeader('connection', 'close');
        sendProblem(res, err);
      },
    );
  }
}

function match(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (const [i, p] of pattern.entries()) {
    if (p.startsWith(':')) params[p.slice(1)] = decode(parts[i]!);
    else if (p !== parts[i]) return null;
  }
  return params;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SwitchboardError('SB_ERR_HTTP_BAD_REQUEST', 'malformed percent-encoding in the path');
  }
}
