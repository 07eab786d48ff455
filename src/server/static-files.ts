/**
 * Serves the built chat page (dist/web) with safe headers, and the admin console's page at
 * `/admin` (admin.html; docs/admin.md). Only a fixed set of files.
 *
 * Each file is read and compressed (brotli and gzip, node:zlib) once, on its first request, and
 * kept in memory: the page is a handful of small files that only change with a new build, which
 * means a restart. The encoding follows Accept-Encoding with its q-values (negotiator); every
 * variant has its own strong ETag, and a request whose If-None-Match / If-Modified-Since still
 * matches gets 304 (fresh). `cache-control: no-cache` makes browsers revalidate every time, so a
 * new build is picked up at once and an unchanged one costs a 304.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import fresh from 'fresh';
import Negotiator from 'negotiator';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

type Coding = 'br' | 'gzip' | 'identity';
/** Server preference between codings the client rates equally: smallest first. */
const PREFERRED: Coding[] = ['br', 'gzip', 'identity'];

interface Variant {
  body: Buffer;
  etag: string;
}

interface Asset {
  type: string;
  lastModified: string;
  /** Only the codings that came out smaller than the file itself, plus identity. */
  variants: Partial<Record<Coding, Variant>> & { identity: Variant };
}

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** dist/web from both dist/server (built) and src/server (tsx). */
export function findWebDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, '../web'), join(here, '../../dist/web')]) {
    if (existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'app.js'))) return dir;
  }
  return null;
}

export class StaticFiles {
  /** A promise per file, so concurrent first requests compress it once. */
  private readonly cache = new Map<string, Promise<Asset>>();

  constructor(private readonly dir: string | null) {}

  /**
   * Serves `path` (GET or HEAD) if it is one of the page's files; returns false otherwise.
   * The request is `res.req`, which node:http always sets.
   */
  serve(path: string, res: ServerResponse): boolean {
    if (!this.dir) return false;
    const name = path === '/' ? 'index.html' : path === '/admin' ? 'admin.html' : path.slice(1);
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) return false;
    const type = TYPES[name.slice(name.lastIndexOf('.'))];
    if (!type) return false;
    let asset = this.cache.get(name);
    if (!asset) {
      const file = join(this.dir, name);
      if (!existsSync(file)) return false;
      asset = load(file, type);
      this.cache.set(name, asset);
    }
    asset.then(
      (a) => respond(res.req, res, a),
      () => {
        this.cache.delete(name);
        res.writeHead(500, SECURITY_HEADERS).end();
      },
    );
    return true;
  }
}

async function load(file: string, type: string): Promise<Asset> {
  const body = readFileSync(file);
  const mtime = statSync(file).mtime;
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  const variants: Asset['variants'] = { identity: { body, etag: `"${hash}"` } };
  const [br, gzipped] = await Promise.all([
    brotli(body, {
      params: {
        [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
        [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
        [zlib.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
    gz(body, { level: zlib.Z_BEST_COMPRESSION }),
  ]);
  if (br.length < body.length) variants.br = { body: br, etag: `"${hash}-br"` };
  if (gzipped.length < body.length) variants.gzip = { body: gzipped, etag: `"${hash}-gzip"` };
  return { type, lastModified: mtime.toUTCString(), variants };
}

function respond(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const offered = PREFERRED.filter((c) => asset.variants[c]);
  // negotiator 1.x takes a `preferred` order for ties; its typings predate that option.
  const negotiator = new Negotiator(req) as unknown as {
    encoding(available: string[], options: { preferred: string[] }): string | undefined;
  };
  // Nothing acceptable (e.g. "identity;q=0, *;q=0"): the plain file, as most servers do.
  const coding = (negotiator.encoding(offered, { preferred: PREFERRED }) ?? 'identity') as Coding;
  const variant = asset.variants[coding] ?? asset.variants.identity;
  const headers: Record<string, string> = {
    'content-type': asset.type,
    'cache-control': 'no-cache',
    etag: variant.etag,
    'last-modified': asset.lastModified,
    vary: 'Accept-Encoding',
    ...SECURITY_HEADERS,
  };
  if (fresh(req.headers, headers)) {
    res.writeHead(304, headers).end();
    return;
  }
  if (coding !== 'identity') headers['content-encoding'] = coding;
  headers['content-length'] = String(variant.body.length);
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : variant.body);
}
