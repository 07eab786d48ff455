/**
 * Throws thousands of random and malformed frames at a live server process, then checks that it
 * is still up, never answered with an internal error, and that normal clients still chat.
 * Seeded, so a failure reproduces: FUZZ_SEED=<n> node scripts/run-tests.mjs fuzz
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient, type Frame } from '../helpers/ws-client.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const FRAMES = 6000;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEMPLATES: Record<string, unknown>[] = [
  {
    type: 'hello',
    protocol: 1,
    handle: 'fz',
    token: 't',
    resume: [{ channel: 'room:general', after: 0 }],
  },
  { type: 'rooms' },
  { type: 'create', room: 'fuzz' },
  { type: 'join', room: 'general' },
  { type: 'leave', room: 'general' },
  { type: 'members', room: 'general' },
  { type: 'users' },
  { type: 'send', room: 'general', text: 'x', cid: 'c' },
  { type: 'send', to: 'someone', text: 'x', cid: 'c' },
  { type: 'history', channel: 'room:general', before: 5, limit: 10 },
  { type: 'typing', channel: 'room:general' },
  { type: 'read', channel: 'room:general', seq: 1 },
  { type: 'ping' },
  { type: 'pong' },
];
const WEIRD: unknown[] = [
  null,
  true,
  -1,
  1e308,
  -0,
  2 ** 53 + 2,
  '',
  'room:general',
  'dm:a:b',
  'dm:b:a',
  '../../etc',
  '\u0000',
  '\ud800',
  '𝄞'.repeat(3000),
  'é'.repeat(2100),
  [],
  {},
  [1, [2, [3]]],
  { a: { b: {} } },
];
const KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'id',
  'type',
  'room',
  'to',
  'channel',
  'seq',
  'text',
];

function frame(rand: () => number, n: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const r = rand();
  if (r < 0.08) {
    let s = '';
    const len = Math.floor(rand() * 200);
    for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(rand() * 0x7e) + 1);
    return s;
  }
  if (r < 0.12) return JSON.stringify(pick(WEIRD));
  if (r < 0.14) return '['.repeat(5000) + ']'.repeat(5000);
  const f: Record<string, unknown> = { ...pick(TEMPLATES), id: rand() < 0.9 ? n : pick(WEIRD) };
  const mutations = Math.floor(rand() * 4);
  for (let i = 0; i < mutations; i++) {
    const keys = Object.keys(f);
    const m = rand();
    if (m < 0.3 && keys.length > 0) delete f[pick(keys)];
    else if (m < 0.7 && keys.length > 0) f[pick(keys)] = pick(WEIRD);
    else f[pick(KEYS)] = pick(WEIRD);
  }
  let text = JSON.stringify(f);
  if (rand() < 0.05) text = text.replace('{', '{"__proto__":{"polluted":1},');
  if (rand() < 0.03) text = text.slice(0, Math.floor(rand() * text.length));
  return text;
}

describe('fuzzing a live server', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startServer({
      args: ['--rate-limit', '100000', '--rate-burst', '100000', '--max-frame-bytes', '16384'],
    });
  });
  after(async () => {
    await server.dispose();
  });

  it(`survives ${FRAMES} random and malformed frames (seed ${SEED}) and normal clients still chat`, async () => {
    const rand = prng(SEED);
    const received: Frame[] = [];
    let sent = 0;
    let reconnects = 0;
    const worker = async (w: number) => {
      let c: WsTestClient | null = null;
      for (let n = 0; sent < FRAMES; n++) {
        if (!c || c.closeCode !== null) {
          if (c) {
            received.push(...c.frames);
            reconnects++;
          }
          c = await WsTestClient.connect(server.wsUrl);
          // Half the fuzzers are authenticated so the commands behind hello get fuzzed too.
          if (w % 2 === 0) await c.hello({ handle: `fuzzer${w}-${reconnects}` });
        }
        const r = rand();
        if (r < 0.005) c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
        else if (r < 0.008) c.ws.send('x'.repeat(20000));
        else c.ws.send(frame(rand, n));
        sent++;
        if (n % 100 === 0) await new Promise((res) => setImmediate(res));
      }
      if (c) {
        await new Promise((res) => setTimeout(res, 200));
        received.push(...c.frames);
        c.close();
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));

    assert.equal(server.process.exitCode, null, 'the server process is still running');
    const internal = received.filter((f) => f.type === 'error' && f.code === 'SB_ERR_INTERNAL');
    assert.deepEqual(internal, [], 'no input caused an internal error');
    assert.ok(received.some((f) => f.type === 'error' && f.code === 'SB_ERR_BAD_FRAME'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);

    const a = await WsTestClient.connect(server.wsUrl);
    const b = await WsTestClient.connect(server.wsUrl);
    await a.hello({ handle: 'after-fuzz-a' });
    await b.hello({ handle: 'after-fuzz-b' });
    await b.call({ type: 'join', room: 'general' });
    await a.call({ type: 'join', room: 'general' });
    await a.call({ type: 'send', room: 'general', text: 'still chatting', cid: 'ok' });
    await b.waitFor((f) => f.type === 'message' && f.text === 'still chatting');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    a.close();
    b.close();
  });
});
