import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';

describe('a server process', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startServer({ args: ['--max-frame-bytes', '4096'] });
  });
  after(async () => {
    await server.dispose();
  });

  it('answers /healthz, /readyz and /metrics', async () => {
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /switchboard_connections/);
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
  });

  it('lets two clients chat in general and by DM over real WebSockets', async () => {
    const a = await WsTestClient.connect(server.wsUrl);
    const b = await WsTestClient.connect(server.wsUrl);
    await a.hello({ handle: 'int-a' });
    await b.hello({ handle: 'int-b' });
    const sent = await a.call<{ message: { seq: number } }>({
      type: 'send',
      room: 'general',
      text: 'hi b',
      cid: '1',
    });
    const got = await b.waitFor((f) => f.type === 'message' && f.text === 'hi b');
    assert.equal(got.seq, sent.message.seq);
    await b.call({ type: 'send', to: 'int-a', text: 'hi a', cid: '2' });
    const dm = await a.waitFor((f) => f.type === 'message' && f.text === 'hi a');
    assert.equal(dm.channel, 'dm:int-a:int-b');
    a.close();
    b.close();
  });

  it('closes with 1009 for a frame over maxFrameBytes and with 1007 for invalid UTF-8', async () => {
    const big = await WsTestClient.connect(server.wsUrl);
    big.ws.send('x'.repeat(5000));
    assert.equal(await big.waitClosed(), 1009);
    const bad = await WsTestClient.connect(server.wsUrl);
    bad.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    assert.equal(await bad.waitClosed(), 1007);
  });

  it('refuses WebSocket upgrades on other paths', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/other`);
    const err = await new Promise<Error>((res) => ws.once('error', res));
    assert.match(err.message, /404/);
  });
});

describe('restarts', () => {
  it('keeps history and sessions across a restart of the process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-restart-'));
    try {
      const first = await startServer({ dataDir });
      const a = await WsTestClient.connect(first.wsUrl);
      await a.hello({ handle: 'keeper' });
      for (let i = 1; i <= 3; i++)
        await a.call({ type: 'send', room: 'general', text: `kept ${i}`, cid: `k${i}` });
      const closed = a.waitClosed(10_000);
      await first.stop();
      assert.equal(await closed, 4000, 'a drained server tells clients to reconnect');

      const second = await startServer({ dataDir });
      try {
        const b = await WsTestClient.connect(second.wsUrl);
        const data = await b.hello({ token: a.token });
        assert.equal(data.user, 'keeper');
        const h = await b.call<{ messages: { text: string; seq: number }[] }>({
          type: 'history',
          channel: 'room:general',
        });
        assert.deepEqual(
          h.messages.map((m) => m.text),
          ['kept 1', 'kept 2', 'kept 3'],
        );
        const next = await b.call<{ message: { seq: number } }>({
          type: 'send',
          room: 'general',
          text: 'after',
          cid: 'k4',
        });
        assert.equal(next.message.seq, 4);
        b.close();
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the CLI', () => {
  it('honours PORT', async () => {
    const port = await new Promise<number>((res) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-port-'));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        resolve(import.meta.dirname, '../../src/cli/main.ts'),
        'serve',
        '--host',
        '127.0.0.1',
        '--data-dir',
        dataDir,
      ],
      { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      await new Promise<void>((res, rej) => {
        const t = setTimeout(() => rej(new Error(out)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('"listening"')) {
            clearTimeout(t);
            res();
          }
        });
      });
      assert.match(out, new RegExp(`"port":${port}`));
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('fails at start-up with SB_ERR_CONFIG_INVALID for a bad setting', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        resolve(import.meta.dirname, '../../src/cli/main.ts'),
        'serve',
        '--max-message-bytes',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 1);
    assert.match(err, /SB_ERR_CONFIG_INVALID/);
  });
});
