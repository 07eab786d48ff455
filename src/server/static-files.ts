/**
 * Serves the built chat page (dist/web) with safe headers. Only a fixed set of files.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** dist/web from both dist/server (built) and src/server (tsx). */
export function findWebDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, '../web'), join(here, '../../dist/web')]) {
    if (existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'app.js'))) return dir;
  }
  return null;
}

export class StaticFiles {
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly dir: string | null) {}

  /** Serves `path` if it is one of the page's files; returns false otherwise. */
  serve(path: string, res: ServerResponse): boolean {
    if (!this.dir) return false;
    const name = path === '/' ? 'index.html' : path.slice(1);
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) return false;
    const ext = name.slice(name.lastIndexOf('.'));
    const type = TYPES[ext];
    if (!type) return false;
    let body = this.cache.get(name);
    if (!body) {
      const file = join(this.dir, name);
      if (!existsSync(file)) return false;
      body = readFileSync(file);
      this.cache.set(name, body);
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
    res.end(body);
    return true;
  }
}
