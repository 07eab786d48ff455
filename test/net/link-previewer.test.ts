/**
 * The link previewer: no preview past `maxConcurrent` fetches in flight, and none for a page
 * that is not HTML; the reason goes to `log`.
 */
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createLinkPreviewer } from '../../src/net/link-previewer.js';

const held: ServerResponse[] = [];
const server = createServer((req, res) => {
  if (req.url === '/hold') held.push(res);
  else if (req.url === '/json')
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  else res.writeHead(200, { 'content-type': 'text/html' }).end('<title>T</title>');
});
const ready = new Promise<string>((resolve) =>
  server.listen(0, '127.0.0.1', () =>
    resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
  ),
);
after(() => {
  server.closeAllConnections();
  server.close();
});

describe('link previewer', () => {
  it('gives no preview past maxConcurrent fetches in flight, and logs why', async () => {
    const base = await ready;
    const logged: string[] = [];
    const preview = createLinkPreviewer({
      allow: ['127.0.0.1'],
      maxConcurrent: 1,
      log: (url) => logged.push(url),
    });
    const first = preview(`${base}/hold`);
    await new Promise<void>((r) => {
      const check = () => (held.length > 0 ? r() : setImmediate(check));
      check();
    });
    assert.equal(await preview(`${base}/page`), null);
    assert.deepEqual(logged, [`${base}/page`]);
    held[0]!.writeHead(200, { 'content-type': 'text/html' }).end('<title>Held</title>');
    assert.equal((await first)?.title, 'Held');
    assert.equal((await preview(`${base}/page`))?.title, 'T', 'a slot is free again');
  });

  it('gives no preview of a page that is not HTML', async () => {
    const base = await ready;
    const preview = createLinkPreviewer({ allow: ['127.0.0.1'] });
    assert.equal(await preview(`${base}/json`), null);
  });
});
