/**
 * Safe fetch against real HTTP servers on loopback: refused by the address policy unless the
 * allow-list names them; a redirect to a refused address is refused; the time and size limits
 * end slow and huge answers with their codes.
 */
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SwitchboardError, type ErrorCode } from '../../src/errors.js';
import { safeFetch } from '../../src/net/safe-fetch.js';

const servers: Server[] = [];
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function refusal(p: Promise<unknown>): Promise<ErrorCode> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SwitchboardError, String(err));
    return err.code;
  }
  assert.fail('expected a refusal');
}

const LOOPBACK = ['127.0.0.1/32'];

describe('safe fetch', () => {
  let hello: string;
  before(async () => {
    hello = await serve((_req, res) => res.end('<title>hi</title>'));
  });
  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('fetches from a loopback server the allow-list names', async () => {
    const res = await safeFetch(`${hello}/page`, { allow: LOOPBACK });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), '<title>hi</title>');
    assert.equal(res.truncated, false);
  });

  it('refuses the same server without the allow-list with SB_ERR_FETCH_REFUSED', async () => {
    assert.equal(await refusal(safeFetch(hello)), 'SB_ERR_FETCH_REFUSED');
  });

  it('refuses localhost, resolved by DNS, without the allow-list', async () => {
    const url = hello.replace('127.0.0.1', 'localhost');
    assert.equal(await refusal(safeFetch(url)), 'SB_ERR_FETCH_REFUSED');
  });

  it('lets an allow-listed host name through and connects to the address it checked', async () => {
    const url = hello.replace('127.0.0.1', 'localhost');
    const res = await safeFetch(url, { allow: ['localhost'] });
    assert.equal(res.status, 200);
  });

  it('refuses decimal and hexadecimal forms of loopback', async () => {
    const port = new URL(hello).port;
    for (const host of ['2130706433', '0x7f.1', '[::ffff:127.0.0.1]'])
      assert.equal(await refusal(safeFetch(`http://${host}:${port}/`)), 'SB_ERR_FETCH_REFUSED');
  });

  it('refuses schemes other than http and https, and other ports', async () => {
    assert.equal(await refusal(safeFetch('file:///etc/passwd')), 'SB_ERR_FETCH_REFUSED');
    assert.equal(await refusal(safeFetch('ftp://1.1.1.1/')), 'SB_ERR_FETCH_REFUSED');
    assert.equal(await refusal(safeFetch('http://1.1.1.1:22/')), 'SB_ERR_FETCH_REFUSED');
  });

  it('refuses a redirect from an allowed host to a refused address', async () => {
    const url = await serve((_req, res) =>
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );
    assert.equal(await refusal(safeFetch(url, { allow: LOOPBACK })), 'SB_ERR_FETCH_REFUSED');
  });

  it('follows a redirect to an allowed address, and gives up after maxRedirects', async () => {
    const url = await serve((req, res) => {
      const n = Number(req.url!.slice(1) || 0);
      if (n < 5) res.writeHead(302, { location: `/${n + 1}` }).end();
      else res.end('arrived');
    });
    const ok = await safeFetch(url, { allow: LOOPBACK, maxRedirects: 5 });
    assert.equal(ok.body.toString(), 'arrived');
    assert.equal(ok.url, `${url}/5`);
    assert.equal(
      await refusal(safeFetch(url, { allow: LOOPBACK, maxRedirects: 2 })),
      'SB_ERR_FETCH_FAILED',
    );
  });

  it('ends a server that never answers with SB_ERR_FETCH_TIMEOUT', async () => {
    const url = await serve(() => {});
    assert.equal(
      await refusal(safeFetch(url, { allow: LOOPBACK, timeoutMs: 200 })),
      'SB_ERR_FETCH_TIMEOUT',
    );
  });

  it('ends a body that trickles past the time limit with SB_ERR_FETCH_TIMEOUT', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      res.write('<html>');
    });
    assert.equal(
      await refusal(safeFetch(url, { allow: LOOPBACK, timeoutMs: 200 })),
      'SB_ERR_FETCH_TIMEOUT',
    );
  });

  it('stops reading a huge body with SB_ERR_FETCH_TOO_LARGE, declared or not', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const url = await serve((req, res) => {
      if (req.url === '/declared') res.setHeader('content-length', String(100 * chunk.length));
      const write = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', write);
      };
      res.on('error', () => {});
      write();
    });
    for (const path of ['/declared', '/chunked'])
      assert.equal(
        await refusal(safeFetch(url + path, { allow: LOOPBACK, maxBytes: 100_000 })),
        'SB_ERR_FETCH_TOO_LARGE',
      );
  });

  it('keeps the first maxBytes of a huge body with truncate', async () => {
    const url = await serve((_req, res) => {
      res.on('error', () => {});
      const write = () => {
        while (!res.destroyed && res.write(Buffer.alloc(64 * 1024, 'b')));
        if (!res.destroyed) res.once('drain', write);
      };
      write();
    });
    const res = await safeFetch(url, { allow: LOOPBACK, maxBytes: 100_000, truncate: true });
    assert.equal(res.truncated, true);
    assert.equal(res.body.length, 100_000);
  });
});
