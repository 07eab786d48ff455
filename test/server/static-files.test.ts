/** StaticFiles over real HTTP: content coding by Accept-Encoding, validators, 304s and HEAD. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { StaticFiles } from '../../src/server/static-files.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const MTIME = new Date('2026-01-02T03:04:05Z');
const APP_JS = Buffer.from(
  Array.from({ length: 400 }, (_, i) => `export const line${i} = "chat page ${i}";`).join('\n'),
);

let dir: string;
let server: Server;
let base: string;

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-static-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(dir, 'app.js'), APP_JS);
  utimesSync(join(dir, 'app.js'), MTIME, MTIME);
  const files = new StaticFiles(dir);
  server = createServer((req, res) => {
    if (!files.serve((req.url ?? '/').split('?')[0]!, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('StaticFiles', () => {
  test('sends brotli to a client that accepts br and gzip equally, with Vary and validators', async () => {
    const r = await get('/app.js', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], 'br');
    assert.equal(r.headers.vary, 'Accept-Encoding');
    assert.equal(Number(r.headers['content-length']), r.body.length);
    assert.ok(r.body.length < APP_JS.length / 3, `compressed to ${r.body.length}`);
    assert.deepEqual(brotliDecompressSync(r.body), APP_JS);
    assert.match(r.headers.etag ?? '', /^"[\w-]+-br"$/);
    assert.equal(r.headers['last-modified'], MTIME.toUTCString());
  });

  test('follows the q-values of Accept-Encoding', async () => {
    const gz = await get('/app.js', { 'accept-encoding': 'br;q=0.5, gzip;q=0.9' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gz.body), APP_JS);
    const refused = await get('/app.js', { 'accept-encoding': 'br;q=0, gzip' });
    assert.equal(refused.headers['content-encoding'], 'gzip');
    const plain = await get('/app.js', { 'accept-encoding': 'gzip;q=0, br;q=0' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(plain.body, APP_JS);
    assert.equal(plain.headers.vary, 'Accept-Encoding');
  });

  test('sends the file as is without Accept-Encoding', async () => {
    const r = await get('/app.js');
    assert.equal(r.headers['content-encoding'], undefined);
    assert.deepEqual(r.body, APP_JS);
  });

  test('gives each coding its own ETag', async () => {
    const tags = await Promise.all(
      ['br', 'gzip', 'identity'].map(
        async (c) => (await get('/app.js', { 'accept-encoding': c })).headers.etag,
      ),
    );
    assert.equal(new Set(tags).size, 3);
  });

  test('answers 304 with no body to a matching If-None-Match, and 200 to a stale one', async () => {
    const first = await get('/app.js', { 'accept-encoding': 'br' });
    const etag = first.headers.etag!;
    const again = await get('/app.js', { 'accept-encoding': 'br', 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, etag);
    assert.equal(again.headers.vary, 'Accept-Encoding');
    const stale = await get('/app.js', { 'accept-encoding': 'br', 'if-none-match': '"old"' });
    assert.equal(stale.status, 200);
  });

  test('answers 304 to If-Modified-Since at or after Last-Modified', async () => {
    const same = await get('/app.js', { 'if-modified-since': MTIME.toUTCString() });
    assert.equal(same.status, 304);
    const earlier = new Date(MTIME.getTime() - 60_000).toUTCString();
    assert.equal((await get('/app.js', { 'if-modified-since': earlier })).status, 200);
  });

  test('answers HEAD with the headers of GET and no body', async () => {
    const getReply = await get('/app.js', { 'accept-encoding': 'gzip' });
    const head = await get('/app.js', { 'accept-encoding': 'gzip' }, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], getReply.headers['content-length']);
    assert.equal(head.headers.etag, getReply.headers.etag);
  });

  test('keeps the security headers on 200 and 304', async () => {
    const ok = await get('/');
    const notModified = await get('/', { 'if-none-match': ok.headers.etag! });
    for (const r of [ok, notModified]) {
      assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['cache-control'], 'no-cache');
    }
    assert.equal(ok.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(notModified.status, 304);
  });

  test('does not serve names outside the fixed set', async () => {
    for (const path of ['/missing.js', '/../package.json', '/.env', '/app.ts'])
      assert.equal((await get(path)).status, 404, path);
  });
});
