/** The SDK's pure parts: emitter, backoff, seen-seq bookkeeping, CLI text cleaning (the outbox has outbox.test.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clean, formatChange, formatHit, formatMessage } from '../../src/cli/chat-format.js';
import { RECONNECT_DEFAULTS, backoffDelay } from '../../src/client/backoff.js';
import { ChannelBook } from '../../src/client/channel-book.js';
import { Emitter } from '../../src/client/emitter.js';
import { msg } from './helpers.js';

class TestEmitter extends Emitter<{ a: number; b: string }> {
  fire<K extends 'a' | 'b'>(k: K, v: { a: number; b: string }[K]) {
    this.emit(k, v);
  }
}

describe('Emitter', () => {
  test('calls listeners with the payload until they are removed', () => {
    const e = new TestEmitter();
    const got: number[] = [];
    const off = e.on('a', (n) => got.push(n));
    e.once('a', (n) => got.push(n * 10));
    e.fire('a', 1);
    off();
    e.fire('a', 2);
    assert.deepEqual(got, [1, 10]);
    assert.equal(e.listenerCount('a'), 0);
  });
});

describe('backoffDelay', () => {
  test('grows by factor up to maxDelay and jitter only shortens it', () => {
    const o = RECONNECT_DEFAULTS;
    assert.equal(
      backoffDelay(0, o, () => 0),
      500,
    );
    assert.equal(
      backoffDelay(3, o, () => 0),
      4000,
    );
    assert.equal(
      backoffDelay(20, o, () => 0),
      15_000,
    );
    assert.equal(
      backoffDelay(0, o, () => 1),
      250,
    );
  });
});

describe('ChannelBook', () => {
  const hello = (lastSeq: number) => [
    {
      channel: 'room:general',
      kind: 'room' as const,
      name: 'general',
      lastSeq,
      readSeq: lastSeq,
      unread: 0,
      mentions: 0,
      firstSeq: 1,
    },
  ];

  test('drops a message at or below the last seen seq and counts unread from others', () => {
    const b = new ChannelBook();
    b.applyHello(hello(3));
    assert.equal(b.message(msg('room:general', 3), 'me'), null);
    assert.equal(b.message(msg('room:general', 4), 'me')?.unread, 1);
    assert.equal(b.message(msg('room:general', 4), 'me'), null);
    assert.deepEqual(b.positions(), [{ channel: 'room:general', after: 4 }]);
  });

  test('accepts our own send reply that arrives after a later message, once', () => {
    const b = new ChannelBook();
    b.applyHello(hello(4));
    b.message(msg('room:general', 6), 'me');
    const own = b.message(msg('room:general', 5, 'me'), 'me');
    assert.equal(own?.readSeq, 5);
    assert.equal(own?.unread, 1);
    assert.equal(b.message(msg('room:general', 5, 'me'), 'me'), null);
  });

  test('a message in an unknown DM adds the channel named after the other participant', () => {
    const b = new ChannelBook();
    const state = b.message(msg('dm:alice:me', 1, 'alice'), 'me');
    assert.equal(state?.kind, 'dm');
    assert.equal(state?.name, 'alice');
    assert.equal(state?.unread, 1);
  });

  test('hello drops channels the user is no longer in and trusts a lower server lastSeq', () => {
    const b = new ChannelBook([
      { channel: 'room:gone', after: 9 },
      { channel: 'room:general', after: 50 },
    ]);
    assert.deepEqual(b.applyHello(hello(10)).removed, []);
    assert.deepEqual(b.positions(), [{ channel: 'room:general', after: 10 }]);
  });
});

describe('chat output', () => {
  test('clean removes ANSI escapes, OSC titles and control characters but keeps the text', () => {
    assert.equal(
      clean('a\u001b[31mred\u001b[0m\u001b]0;title\u0007b\r\u0008c\u009b2Jd'),
      'aredbcd',
    );
    assert.equal(clean('line1\nline2'), 'line1\n    line2');
  });

  test('formats room messages and DMs from both sides, with the seq that /edit takes', () => {
    assert.match(
      formatMessage(msg('room:general', 1, 'alice'), 'me'),
      /^\d\d:\d\d #1 \[general\] alice: t1$/,
    );
    assert.match(formatMessage(msg('dm:alice:me', 1, 'alice'), 'me'), / #1 \[dm alice\] t1$/);
    assert.match(formatMessage(msg('dm:alice:me', 2, 'me'), 'me'), / #2 \[dm to alice\] t2$/);
    const event = (extra: object) =>
      formatMessage({ ...msg('room:general', 5, 'alice'), ...extra }, 'me');
    assert.match(event({ edits: 3, text: 'fixed' }), /alice: \(edited #3\) fixed$/);
    assert.match(event({ deletes: 3, text: '' }), /alice: \(deleted #3\)$/);
    assert.match(event({ reacts: 3, emoji: '👍', text: '' }), /alice: \(reacted 👍 to #3\)$/);
    assert.match(event({ edited: 1, text: 'v2' }), /alice: v2 \(edited\)$/);
    assert.match(event({ replyTo: 3, text: 'yes' }), /alice: \(reply to #3\) yes$/);
    assert.match(event({ thread: 3, text: 'in it' }), /alice: \(thread #3\) in it$/);
    assert.match(event({ replies: 2, text: 'root' }), /alice: root \(2 replies\)$/);
    assert.match(event({ deleted: true, text: '' }), /alice: \(deleted\)$/);
  });

  test('a search hit shows its date, seq and place, its matches marked and everything cleaned', () => {
    const hit = {
      channel: 'room:general',
      seq: 7,
      from: 'alice',
      ts: new Date(2026, 2, 4, 12, 4).getTime(),
      text: 'the \u001b[2Jdeploy is Deploy',
      highlights: [
        [4, 14],
        [18, 24],
      ] as [number, number][],
    };
    assert.equal(
      formatHit(hit, 'me', 'brackets'),
      '2026-03-04 12:04 #7 [general] alice: the [deploy] is [Deploy]',
    );
    assert.equal(
      formatHit(hit, 'me', 'bold'),
      '2026-03-04 12:04 #7 [general] alice: the \u001b[1mdeploy\u001b[22m is \u001b[1mDeploy\u001b[22m',
    );
    assert.match(
      formatHit({ ...hit, channel: 'dm:alice:me' }, 'me', 'brackets'),
      /#7 \[dm alice\] the/,
    );
  });

  test('a live change reads as what it did to message #seq', () => {
    const at = { channel: 'room:general', seq: 3, ts: 0 };
    assert.match(
      formatChange({ ...at, text: 'v2', by: 'al' }, 'me'),
      / \[general\] al: \(edited #3\) v2$/,
    );
    assert.match(formatChange({ ...at, by: 'mod' }, 'me'), / mod: \(deleted #3\)$/);
    assert.match(
      formatChange({ ...at, emoji: '👍', user: 'bo', on: false }, 'me'),
      / bo: \(took back 👍 on #3\)$/,
    );
  });
});
