import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { within } from '../src/deadline.js';

describe('within', () => {
  test('resolves with the promise when it settles in time', async () => {
    assert.equal(await within(Promise.resolve(7), 1000, 'late'), 7);
  });

  test('rejects with the message once the time has passed', async () => {
    const never = new Promise<number>(() => {});
    const began = Date.now();
    await assert.rejects(within(never, 50, 'too late'), { message: 'too late' });
    assert.ok(Date.now() - began >= 45);
  });

  test('passes the promise’s own rejection through', async () => {
    await assert.rejects(within(Promise.reject(new Error('boom')), 1000, 'late'), {
      message: 'boom',
    });
  });
});
