/**
 * The server's Prometheus metrics against a real server process and real WebSockets: the send
 * latency histogram counts each answered socket send once (not refused ones), the deliveries
 * counter counts each message once per live connection it is written to, and the SQLite store's
 * group commits are timed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';

/** One unlabelled series' value on /metrics (NaN when absent). */
function series(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

describe('/metrics of a server with traffic', () => {
  let server: ServerHandle;
  const clients: WsTestClient[] = [];
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.dispose();
  });
  const scrape = async () => (await fetch(`${server.url}/metrics`)).text();
  const connect = async (handle: string) => {
    const c = await WsTestClient.connect(server.wsUrl);
    clients.push(c);
    await c.hello({ handle });
    return c;
  };

  it('records each answered send in switchboard_send_latency_seconds and each delivery in switchboard_deliveries_total', async () => {
    const a = await connect('lat-a');
    const b = await connect('lat-b');
    const c = await connect('lat-c');
    const before = await scrape();
    const sends = 20;
    for (let i = 0; i < sends; i++)
      await a.call({ type: 'send', room: 'general', text: `m${i}`, cid: `c${i}` });
    await a.call({ type: 'send', to: 'lat-b', text: 'dm', cid: 'dm1' });
    // Refused (no such room): answered with an error, so not a send's latency.
    const refused = await a.request({ type: 'send', room: 'nowhere', text: 'x', cid: 'x1' });
    assert.equal(refused.type, 'error');
    for (const r of [b, c])
      await r.waitFor((f) => f.type === 'message' && f.text === `m${sends - 1}`);
    await b.waitFor((f) => f.type === 'message' && f.text === 'dm');
    const now = await scrape();

    const delta = (name: string) => series(now, name) - series(before, name);
    assert.equal(delta('switchboard_send_latency_seconds_count'), sends + 1);
    assert.ok(delta('switchboard_send_latency_seconds_sum') > 0);
    assert.equal(
      series(now, 'switchboard_send_latency_seconds_bucket{le="+Inf"}'),
      series(now, 'switchboard_send_latency_seconds_count'),
    );
    // Room messages to b and c (the sender gets its reply, not a frame), the DM to b.
    assert.equal(delta('switchboard_deliveries_total'), 2 * sends + 1);
    // The default store is SQLite: each send awaited its own group commit, each one timed.
    assert.ok(delta('switchboard_sqlite_commit_seconds_count') >= sends + 1);
    assert.ok(delta('switchboard_sqlite_commit_seconds_sum') > 0);
    assert.equal(
      series(now, 'switchboard_sqlite_commit_seconds_bucket{le="+Inf"}'),
      series(now, 'switchboard_sqlite_commit_seconds_count'),
    );
  });

  it('exposes the histogram with its documented buckets', async () => {
    const text = await scrape();
    assert.match(text, /# TYPE switchboard_send_latency_seconds histogram/);
    const bounds = [...text.matchAll(/switchboard_send_latency_seconds_bucket\{le="([^"]+)"\}/g)];
    assert.deepEqual(
      bounds.map((m) => m[1]),
      [
        '0.0005',
        '0.001',
        '0.0025',
        '0.005',
        '0.01',
        '0.025',
        '0.05',
        '0.1',
        '0.25',
        '0.5',
        '1',
        '2.5',
        '+Inf',
      ],
    );
  });
});
