/** The webhook settings: defaults, and bad values refused at start-up with SB_ERR_CONFIG_INVALID. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config.js';
import { SwitchboardError } from '../../src/errors.js';

const refused = (input: Record<string, unknown>) =>
  assert.throws(
    () => parseConfig(input),
    (err) => err instanceof SwitchboardError && err.code === 'SB_ERR_CONFIG_INVALID',
  );

describe('webhook settings', () => {
  it('defaults to no webhooks, no hook, fail closed and an empty allow-list', () => {
    const c = parseConfig({});
    assert.equal(c.webhooks, false);
    assert.equal(c.beforeSendUrl, '');
    assert.equal(c.beforeSendFail, 'closed');
    assert.deepEqual(c.webhookAllow, []);
    assert.equal(c.webhookRetentionMs, 7 * 24 * 3600 * 1000, 'events kept 7 days');
  });

  it('refuses an allow-list entry that is no host, address or CIDR, and an unknown fail mode', () => {
    refused({ webhookAllow: ['10.0.0.0/99'] });
    refused({ beforeSendFail: 'sometimes' });
    refused({ beforeSendTimeoutMs: 0 });
    refused({ webhookRetentionMs: -1 });
  });
});
