/**
 * The POST form of the safe fetch (webhooks, the before-send hook) and checkDestination: the body
 * arrives with its length, a 307 repeats the POST with its body, a 303 turns it into a GET, a
 * redirect to a refused address is refused, and checkDestination judges a URL without fetching.
 */
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { SwitchboardError } from '../../src/errors.js';
import { checkDestination, safeFetch } from '../../src/net/safe-fetch.js';

const servers: Server[] = [];
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Answers `<method> <body>`. */
const echo: RequestListener = (req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => res.end(`${req.method} ${body}`));
};

const allow = ['127.0.0.1/32'];
const code = (err: unknown) => (err instanceof SwitchboardError ? err.code : String(err));

describe('safe fetch POST', () => {
  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('sends the body and answers the response', async () => {
    const url = await serve(echo);
    const res = await safeFetch(url, { method: 'POST', body: '{"a":1}', allow });
    assert.equal(res.body.toString(), 'POST {"a":1}');
  });

  it('repeats the POST with its body on 307 and turns it into a GET on 303', async () => {
    const target = await serve(echo);
    const r307 = await serve((_q, s) => s.writeHead(307, { location: target }).end());
    const r303 = await serve((_q, s) => s.writeHead(303, { location: target }).end());
    assert.equal(
      (await safeFetch(r307, { method: 'POST', body: 'x', allow })).body.toString(),
      'POST x',
    );
    assert.equal(
      (await safeFetch(r303, { method: 'POST', body: 'x', allow })).body.toString(),
      'GET ',
    );
  });

  it('refuses a POST redirected to the metadata address with SB_ERR_FETCH_REFUSED', async () => {
    const hop = await serve((_q, s) =>
      s.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );
    await assert.rejects(safeFetch(hop, { method: 'POST', body: 'x', allow }), (err) => {
      assert.equal(code(err), 'SB_ERR_FETCH_REFUSED');
      return true;
    });
  });

  it('checkDestination refuses loopback, metadata and private addresses unless allowed', async () => {
    for (const url of ['http://127.0.0.1/', 'http://169.254.169.254/', 'http://10.1.2.3/'])
      await assert.rejects(checkDestination(url), (err) => {
        assert.equal(code(err), 'SB_ERR_FETCH_REFUSED');
        return true;
      });
    await checkDestination('http://127.0.0.1:9999/', { allow });
    await checkDestination('http://8.8.8.8/');
  });
});
