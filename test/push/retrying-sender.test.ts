/**
 * RetryingPushSender around WebPushSender against the loopback push service: 503 then 201 is
 * sent after a backoff; 429 with Retry-After waits that long; a Retry-After past the bound and
 * other 4xx are not retried; 410 is gone at once; an unreachable service is retried, bounded.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PushFailedError } from '../../src/push/push-sender.js';
import { RetryingPushSender } from '../../src/push/retrying-sender.js';
import { WebPushSender, generateVapidKeys } from '../../src/push/web-push.js';
import { opensslAvailable, PushService, type TestSubscription } from '../helpers/push-service.js';

const skip = !opensslAvailable() && !process.env.CI ? 'openssl is not installed' : false;

describe('RetryingPushSender', { skip }, () => {
  let service: PushService;
  let web: WebPushSender;
  const vapid = { ...generateVapidKeys(), subject: 'mailto:ops@chat.example' };
  before(async () => {
    service = await PushService.start();
    web = new WebPushSender({
      vapid,
      ca: readFileSync(service.caFile, 'utf8'),
      allowPrivate: true,
    });
  });
  after(async () => {
    web?.close();
    await service?.close();
  });
  const device = (s: TestSubscription) => ({ endpoint: s.json.endpoint, ...s.json.keys });
  const failed = (status: number | null) => (err: unknown) =>
    err instanceof PushFailedError && err.code === 'SB_ERR_PUSH_FAILED' && err.status === status;

  it('sends after a 503, then after a 429 with Retry-After waits that long', async () => {
    const sender = new RetryingPushSender(web, { minDelayMs: 20, maxDelayMs: 40 });
    const sub = service.subscription();
    service.script(sub.id, [{ status: 503 }]);
    assert.equal(await sender.send(device(sub), '{"n":1}'), 'sent');
    assert.equal(service.hits.get(sub.id), 2);
    assert.deepEqual(service.received.at(-1)!.payload, { n: 1 });

    service.script(sub.id, [{ status: 429, retryAfter: 1 }]);
    assert.equal(await sender.send(device(sub), '{"n":2}'), 'sent');
    const [asked, retried] = service.times.get(sub.id)!.slice(-2) as [number, number];
    assert.ok(retried - asked >= 950, `waited ${retried - asked} ms for Retry-After: 1`);
    assert.deepEqual(service.received.at(-1)!.payload, { n: 2 });
  });

  it('gives up after its retries, at once past maxWaitMs, and never retries another 4xx or 410', async () => {
    const sender = new RetryingPushSender(web, { retries: 2, minDelayMs: 10, maxWaitMs: 500 });
    const busy = service.subscription();
    service.script(busy.id, [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    await assert.rejects(sender.send(device(busy), '{}'), failed(503));
    assert.equal(service.hits.get(busy.id), 3, 'the first try and two retries');

    const slow = service.subscription();
    service.script(slow.id, [{ status: 429, retryAfter: 60 }]);
    await assert.rejects(sender.send(device(slow), '{}'), failed(429));
    assert.equal(service.hits.get(slow.id), 1, 'a minute is past maxWaitMs: not waited for');

    const bad = service.subscription();
    service.script(bad.id, [{ status: 403 }]);
    await assert.rejects(sender.send(device(bad), '{}'), failed(403));
    assert.equal(service.hits.get(bad.id), 1);

    const gone = service.subscription('gone');
    assert.equal(await sender.send(device(gone), '{}'), 'gone');
    assert.equal(service.hits.get(gone.id), 1);
  });

  it('retries an unreachable push service, bounded', async () => {
    const sender = new RetryingPushSender(web, { retries: 2, minDelayMs: 10 });
    let sleeps = 0;
    const counting = new RetryingPushSender(web, {
      retries: 2,
      minDelayMs: 10,
      sleep: async () => void sleeps++,
    });
    const sub = service.subscription();
    // Port 9 on loopback: nothing listens, the connection is refused.
    const nowhere = { ...device(sub), endpoint: 'https://127.0.0.1:9/push/x' };
    await assert.rejects(counting.send(nowhere, '{}'), failed(null));
    assert.equal(sleeps, 2);
    await assert.rejects(sender.send(nowhere, '{}'), failed(null));
  });
});
