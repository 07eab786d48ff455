/**
 * What the chat port exposes besides chat: which pages may open /ws (the Origin check of the
 * upgrade, against cross-site WebSocket hijacking) and who may read /metrics (a bearer token,
 * or a listener of its own). Real servers on loopback, real WebSocket handshakes.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startSwitchboard, type RunningSwitchboard } from '../../src/index.js';
import { silentLogger } from '../../src/logger.js';
import { normalizeOrigin, originAllowed } from '../../src/server/origin.js';

const running: RunningSwitchboard[] = [];
after(async () => {
  for (const s of running) await s.stop();
});

async function start(options: Record<string, unknown> = {}): Promise<RunningSwitchboard> {
  const server = await startSwitchboard(
    { port: 0, host: '127.0.0.1', store: 'memory:', web: false, shutdownTimeout: 500, ...options },
    { logger: silentLogger },
  );
  running.push(server);
  return server;
}

/** Opens /ws with these headers: 'open', or the HTTP status and body of a refused upgrade. */
function handshake(
  wsUrl: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { headers });
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

describe('the Origin check of the WebSocket upgrade', () => {
  it('normalizes origins as browsers send them, and refuses what is not http(s)', () => {
    assert.equal(normalizeOrigin('HTTPS://Chat.Example.com:443'), 'https://chat.example.com');
    assert.equal(normalizeOrigin('http://a.test:8080/'), 'http://a.test:8080');
    assert.equal(normalizeOrigin('null'), null);
    assert.equal(normalizeOrigin('file:///etc/passwd'), null);
    assert.equal(normalizeOrigin('not a url'), null);
    assert.equal(originAllowed('null', 'a.test', []), false);
    assert.equal(originAllowed('http://a.test:80', 'a.test', []), true);
    assert.equal(originAllowed('http://a.test.evil.example', 'a.test', []), false);
  });

  it('by default lets in the server’s own pages and clients without an Origin, and refuses other pages with 403 SB_ERR_ORIGIN_FORBIDDEN', async () => {
    const server = await start();
    const own = new URL(server.url).origin;
    assert.equal((await handshake(server.wsUrl, { origin: own })).status, 101);
    assert.equal((await handshake(server.wsUrl, {})).status, 101, 'no Origin: not a browser');
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:1', 'garbage']) {
      const refused = await handshake(server.wsUrl, { origin });
      assert.equal(refused.status, 403, origin);
      assert.equal((JSON.parse(refused.body) as { code: string }).code, 'SB_ERR_ORIGIN_FORBIDDEN');
    }
    // Still serving after the refusals.
    assert.equal((await handshake(server.wsUrl, { origin: own })).status, 101);
  });

  it('with --allowed-origins lets in exactly the listed origins, and * lets in any', async () => {
    const listed = await start({ allowedOrigins: ['https://chat.example.com'] });
    assert.equal(
      (await handshake(listed.wsUrl, { origin: 'https://chat.example.com' })).status,
      101,
    );
    assert.equal(
      (await handshake(listed.wsUrl, { origin: 'https://chat.example.com.evil.test' })).status,
      403,
    );
    const own = new URL(listed.url).origin;
    assert.equal((await handshake(listed.wsUrl, { origin: own })).status, 403, 'list replaces own');
    const any = await start({ allowedOrigins: ['*'] });
    assert.equal((await handshake(any.wsUrl, { origin: 'https://anyone.test' })).status, 101);
  });
});

describe('/metrics', () => {
  it('asks for the bearer token when --metrics-token is set, compared in constant time', async () => {
    const server = await start({ metricsToken: 'metrics-secret-0123456789' });
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
    const wrong = await fetch(`${server.url}/metrics`, {
      headers: { authorization: 'Bearer metrics-secret-012345678X' },
    });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${server.url}/metrics`, {
      headers: { authorization: 'Bearer metrics-secret-0123456789' },
    });
    assert.equal(right.status, 200);
    assert.match(await right.text(), /switchboard_connections/);
  });

  it('moves to its own listener with --metrics-listen and is gone from the chat port', async () => {
    const server = await start({ metricsListen: '127.0.0.1:0' });
    assert.ok(server.metricsPort);
    assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
    const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    assert.match(text, /switchboard_connections/);
    assert.equal((await fetch(`http://127.0.0.1:${server.metricsPort}/healthz`)).status, 404);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  it('refuses a metrics token shorter than 16 characters at start-up with SB_ERR_CONFIG_INVALID', async () => {
    await assert.rejects(start({ metricsToken: 'short' }), { code: 'SB_ERR_CONFIG_INVALID' });
  });
});
