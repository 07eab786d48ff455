/** WebPushSender against the loopback push service: outcomes, and the DNS guard. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SwitchboardError } from '../../src/errors.js';
import { WebPushSender, generateVapidKeys } from '../../src/push/web-push.js';
import { opensslAvailable, PushService } from '../helpers/push-service.js';

const skip = !opensslAvailable() && !process.env.CI ? 'openssl is not installed' : false;

describe('WebPushSender', { skip }, () => {
  let service: PushService;
  let ca: string;
  const vapid = { ...generateVapidKeys(), subject: 'mailto:ops@chat.example' };
  before(async () => {
    service = await PushService.start();
    ca = readFileSync(service.caFile, 'utf8');
  });
  after(() => service?.close());

  it('resolves sent when the service accepts, gone on 410, and rejects SB_ERR_PUSH_FAILED when it refuses otherwise', async () => {
    const sender = new WebPushSender({ vapid, ca, allowPrivate: true });
    try {
      const ok = service.subscription();
      assert.equal(
        await sender.send({ endpoint: ok.json.endpoint, ...ok.json.keys }, '{"a":1}'),
        'sent',
      );
      assert.deepEqual(service.received.at(-1)!.payload, { a: 1 });
      assert.equal(service.received.at(-1)!.vapidKey, vapid.publicKey);
      const gone = service.subscription('gone');
      assert.equal(
        await sender.send({ endpoint: gone.json.endpoint, ...gone.json.keys }, '{}'),
        'gone',
      );
      // The service answers 400 to a payload it cannot decrypt (keys of another subscription).
      const other = service.subscription();
      await assert.rejects(
        sender.send({ endpoint: other.json.endpoint, ...ok.json.keys }, '{}'),
        (err: unknown) => err instanceof SwitchboardError && err.code === 'SB_ERR_PUSH_FAILED',
      );
    } finally {
      sender.close();
    }
  });

  it('never connects to a name that resolves to a private address unless allowed', async () => {
    const sender = new WebPushSender({ vapid, ca });
    try {
      const sub = service.subscription();
      const endpoint = sub.json.endpoint.replace('127.0.0.1', 'localhost');
      assert.equal(sender.accepts(endpoint), false);
      await assert.rejects(
        sender.send({ endpoint, ...sub.json.keys }, '{}'),
        (err: unknown) =>
          err instanceof SwitchboardError &&
          err.code === 'SB_ERR_PUSH_FAILED' &&
          (err.cause as NodeJS.ErrnoException).code === 'EPUSHPRIVATE',
      );
      assert.equal(service.hits.get(sub.id) ?? 0, 0);
    } finally {
      sender.close();
    }
  });
});
