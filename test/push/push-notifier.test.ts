import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXCERPT_LENGTH, excerpt, wantsPush } from '../../src/core/push-notifier.js';
import { endpointAllowed, isPrivateAddress } from '../../src/push/endpoint-guard.js';

const user = (level: 'all' | 'mentions' | 'none') => ({ level, preview: true });
const NOW = 1_700_000_000_000;

describe('push decisions', () => {
  it('lets all kinds through at all, DMs and mentions at mentions, nothing at none', () => {
    const kinds = ['dm', 'mention', 'thread'] as const;
    const through = (level: 'all' | 'mentions' | 'none') =>
      kinds.filter((k) => wantsPush(k, user(level), undefined, NOW));
    assert.deepEqual(through('all'), ['dm', 'mention', 'thread']);
    assert.deepEqual(through('mentions'), ['dm', 'mention']);
    assert.deepEqual(through('none'), []);
  });

  it("follows a channel's own level over the user's, and a mute over both until it ends", () => {
    const ch = (level: 'all' | 'none' | null, mutedUntil: number | null) => ({
      channel: 'room:dev',
      level,
      mutedUntil,
    });
    assert.equal(wantsPush('thread', user('none'), ch('all', null), NOW), true);
    assert.equal(wantsPush('dm', user('all'), ch('none', null), NOW), false);
    assert.equal(wantsPush('dm', user('all'), ch(null, NOW + 1), NOW), false);
    assert.equal(wantsPush('dm', user('all'), ch(null, NOW), NOW), true, 'mute over');
    assert.equal(wantsPush('dm', user('all'), ch('all', NOW + 1), NOW), false);
  });

  it('cuts excerpts to EXCERPT_LENGTH characters on one line, whole code points', () => {
    assert.equal(excerpt('  two\n lines  '), 'two lines');
    const long = '😀'.repeat(EXCERPT_LENGTH + 5);
    assert.equal(excerpt(long), `${'😀'.repeat(EXCERPT_LENGTH)}…`);
  });
});

describe('push endpoint guard', () => {
  it('accepts https endpoints of public hosts only', () => {
    assert.equal(endpointAllowed('https://fcm.googleapis.com/fcm/send/abc', false), true);
    for (const bad of [
      'http://fcm.googleapis.com/x',
      'https://localhost/x',
      'https://127.0.0.1/x',
      'https://10.1.2.3/x',
      'https://169.254.169.254/latest',
      'https://[::1]/x',
      'https://[::ffff:192.168.0.1]/x',
      'https://u:p@push.example/x',
      `https://push.example/${'a'.repeat(1100)}`,
      'nonsense',
    ])
      assert.equal(endpointAllowed(bad, false), false, bad);
    assert.equal(endpointAllowed('https://127.0.0.1:8443/x', true), true, 'when allowed');
    assert.equal(endpointAllowed('http://127.0.0.1/x', true), false, 'https even then');
  });

  it('knows private, loopback and link-local addresses of both families', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.5',
      '192.168.1.1',
      '169.254.1.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '0.0.0.0',
    ])
      assert.equal(isPrivateAddress(a), true, a);
    for (const a of ['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888'])
      assert.equal(isPrivateAddress(a), false, a);
  });
});
