/**
 * The SDK's outbox on its own, against a scripted reply function and mocked timers: one ordered
 * queue, one backoff, pacing by the announced rate limit, bounded in-flight sends, failed entries
 * that wait for retry or discard, and restored entries. The same outbox against a real server
 * and a real store outage is in outbox-outage.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { SwitchboardError, type ChatMessage, type PendingSend } from '../../src/client/index.js';
import { MAX_INFLIGHT, Outbox, RETRY_BACKOFF } from '../../src/client/outbox.js';

type Frame = Record<string, unknown> & { cid: string; text: string };
type Answer = 'ok' | 'hang' | SwitchboardError;

/** Lets promise callbacks run (setImmediate is not mocked). */
const settle = () => new Promise((r) => setImmediate(r));

/** An outbox whose request() records every frame (with the mocked time) and answers by `answer`. */
function outbox(answer: (f: Frame) => Answer = () => 'ok', restored: PendingSend[] = []) {
  const frames: { frame: Frame; at: number }[] = [];
  const sent: ChatMessage[] = [];
  let changes = 0;
  let seq = 0;
  const box = new Outbox(
    {
      request: (raw) => {
        const frame = raw as Frame;
        frames.push({ frame, at: Date.now() });
        const a = answer(frame);
        if (a === 'hang') return new Promise(() => {});
        if (a instanceof SwitchboardError) return Promise.reject(a);
        const message: ChatMessage = {
          type: 'message',
          channel: 'room:general',
          seq: ++seq,
          cid: frame.cid,
          from: 'me',
          text: frame.text,
          ts: Date.now(),
        };
        return Promise.resolve({ message, duplicate: false });
      },
      onSent: (m) => sent.push(m),
      onChange: () => changes++,
      random: () => 0,
    },
    restored,
  );
  return { box, frames, sent, changes: () => changes };
}

/** Advances the mocked clock in small steps, letting replies settle in between. */
async function advance(ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await settle();
    mock.timers.tick(step);
  }
  await settle();
}

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
afterEach(() => mock.timers.reset());

describe('Outbox', () => {
  test('keeps a send through a lost connection and re-sends it with the same cid', async () => {
    let connected = false;
    const o = outbox(() => (connected ? 'ok' : new SwitchboardError('SB_ERR_CONNECTION_CLOSED')));
    const done = o.box.add({ room: 'general' }, 'hi');
    o.box.resume({ rateLimit: 20, rateBurst: 60 });
    await settle();
    assert.equal(o.box.size, 1);
    assert.equal(o.box.list()[0]!.state, 'queued');
    o.box.suspend();
    connected = true;
    o.box.resume({ rateLimit: 20, rateBurst: 60 });
    const m = await done;
    assert.equal(o.frames.length, 2);
    assert.equal(o.frames[0]!.frame.cid, o.frames[1]!.frame.cid);
    assert.equal(m.cid, o.frames[0]!.frame.cid);
    assert.equal(o.box.size, 0);
  });

  test('keeps a refused send as failed with its code until it is discarded', async () => {
    const o = outbox(() => new SwitchboardError('SB_ERR_USER_NOT_FOUND'));
    o.box.resume({});
    await assert.rejects(
      o.box.add({ to: 'nobody' }, 'hi'),
      (e: SwitchboardError) => e.code === 'SB_ERR_USER_NOT_FOUND',
    );
    assert.equal(o.box.size, 0, 'failed entries are not on their way');
    const [entry] = o.box.list();
    assert.equal(entry?.state, 'failed');
    assert.equal(entry?.error?.code, 'SB_ERR_USER_NOT_FOUND');
    assert.equal(o.box.discard(entry.cid), true);
    assert.deepEqual(o.box.list(), []);
    assert.equal(o.box.discard(entry.cid), false);
  });

  test('retries a failed send with the same cid and delivers it', async () => {
    let refuse = true;
    const o = outbox(() => (refuse ? new SwitchboardError('SB_ERR_NOT_A_MEMBER') : 'ok'));
    o.box.resume({});
    await o.box.add({ room: 'later' }, 'hi').catch(() => undefined);
    const cid = o.box.list()[0]!.cid;
    refuse = false;
    assert.equal(o.box.retry(cid), true);
    await advance(50);
    assert.deepEqual(o.box.list(), []);
    assert.deepEqual(
      o.sent.map((m) => m.cid),
      [cid],
    );
    assert.equal(o.frames.at(-1)!.frame.cid, cid);
  });

  test('pauses the whole queue on a store outage: one probe per backoff round, then drains in order', async () => {
    let storeUp = false;
    const o = outbox(() => (storeUp ? 'ok' : new SwitchboardError('SB_ERR_STORE_UNAVAILABLE')));
    o.box.resume({ rateLimit: 1000, rateBurst: 1000 });
    const sends = Array.from({ length: 30 }, (_, i) => o.box.add({ room: 'general' }, `m${i}`));
    await advance(5000);
    const during = o.frames.length;
    // random() = 0: pauses of 250, 500, 1000, 2000, 3000… ms (src/backoff.ts, RETRY_BACKOFF).
    assert.ok(during <= 7, `${during} frames during a 5 s outage`);
    assert.ok(
      o.frames.every((f) => f.frame.text === 'm0'),
      'only the head is probed',
    );
    const probeTimes = o.frames.map((f) => f.at - o.frames[0]!.at);
    assert.deepEqual(probeTimes.slice(0, 4), [0, 250, 750, 1750]);
    storeUp = true;
    await advance(RETRY_BACKOFF.maxMs + 500);
    const messages = await Promise.all(sends);
    assert.deepEqual(
      messages.map((m) => m.text),
      Array.from({ length: 30 }, (_, i) => `m${i}`),
    );
    assert.equal(o.frames.length, during + 30);
  });

  test('waits the retryAfter of SB_ERR_RATE_LIMITED before the next send', async () => {
    let limited = true;
    const o = outbox(() => {
      if (!limited) return 'ok';
      limited = false;
      return new SwitchboardError('SB_ERR_RATE_LIMITED', undefined, { retryAfter: 700 });
    });
    o.box.resume({});
    const done = o.box.add({ room: 'general' }, 'a');
    await advance(1000);
    await done;
    assert.equal(o.frames.length, 2);
    assert.equal(o.frames[1]!.at - o.frames[0]!.at, 700);
  });

  test('paces sends by half the announced rate and burst', async () => {
    const o = outbox();
    o.box.resume({ rateLimit: 10, rateBurst: 4 });
    // Different DMs, so per-target order does not serialise them.
    const sends = Array.from({ length: 6 }, (_, i) => o.box.add({ to: `u${i}` }, 'x'));
    await advance(1000);
    await Promise.all(sends);
    const times = o.frames.map((f) => f.at - o.frames[0]!.at);
    // Burst 2 at once, then one every 200 ms (5/s).
    assert.deepEqual(times, [0, 0, 200, 400, 600, 800]);
  });

  test('keeps one send per target and at most MAX_INFLIGHT in flight', async () => {
    const o = outbox(() => 'hang');
    o.box.resume({});
    for (let i = 0; i < 3; i++) void o.box.add({ room: 'general' }, `g${i}`);
    for (let i = 0; i < 6; i++) void o.box.add({ to: `u${i}` }, `d${i}`);
    await advance(100);
    assert.deepEqual(
      o.frames.map((f) => f.frame.text),
      ['g0', 'd0', 'd1', 'd2'].slice(0, MAX_INFLIGHT),
    );
    assert.equal(o.box.list().filter((p) => p.state === 'sending').length, MAX_INFLIGHT);
  });

  test('sends restored entries after resume with their own cids, keeping failed ones failed', async () => {
    const restored: PendingSend[] = [
      { cid: 'c-1', target: { room: 'general' }, text: 'one', createdAt: 1, state: 'sending' },
      {
        cid: 'c-2',
        target: { to: 'bob' },
        text: 'two',
        createdAt: 2,
        state: 'failed',
        error: { code: 'SB_ERR_USER_NOT_FOUND', message: 'no such user' },
      },
      { cid: 'c-3', target: { room: 'general' }, text: 'three', createdAt: 3, state: 'queued' },
    ];
    const o = outbox(() => 'ok', restored);
    assert.deepEqual(
      o.box.list().map((p) => p.state),
      ['queued', 'failed', 'queued'],
    );
    await advance(50);
    assert.equal(o.frames.length, 0, 'nothing before resume');
    o.box.resume({});
    await advance(50);
    assert.deepEqual(
      o.sent.map((m) => m.cid),
      ['c-1', 'c-3'],
    );
    assert.deepEqual(
      o.box.list().map((p) => p.cid),
      ['c-2'],
    );
  });

  test('rejects a malformed restored entry with SB_ERR_CONFIG_INVALID', () => {
    const bad = {
      cid: 'x',
      target: { room: 'a', to: 'b' },
      text: 't',
      createdAt: 0,
      state: 'queued',
    };
    assert.throws(
      () => outbox(() => 'ok', [bad as unknown as PendingSend]),
      (e: SwitchboardError) => e.code === 'SB_ERR_CONFIG_INVALID',
    );
  });

  test('close rejects waiting callers but keeps the unsent entries listed', async () => {
    const o = outbox();
    const done = o.box.add({ room: 'general' }, 'offline');
    o.box.close(new SwitchboardError('SB_ERR_CONNECTION_CLOSED'));
    await assert.rejects(done, (e: SwitchboardError) => e.code === 'SB_ERR_CONNECTION_CLOSED');
    assert.deepEqual(
      o.box.list().map((p) => [p.text, p.state]),
      [['offline', 'queued']],
    );
    assert.ok(o.changes() >= 1);
  });
});
