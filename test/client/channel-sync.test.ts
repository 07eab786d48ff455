/** Which channels the SDK replays after a hello, and the order a replaying channel emits in. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RECONNECT_DEFAULTS } from '../../src/client/backoff.js';
import { ChannelBook } from '../../src/client/channel-book.js';
import { ChannelSync } from '../../src/client/channel-sync.js';
import type { ChannelState, SyncingEvent } from '../../src/client/index.js';
import { SwitchboardError } from '../../src/errors.js';
import { msg } from './helpers.js';

const general: ChannelState = {
  channel: 'room:general',
  kind: 'room',
  name: 'general',
  lastSeq: 10,
  readSeq: 10,
  unread: 0,
  mentions: 0,
  firstSeq: 1,
};
const dm: ChannelState = {
  channel: 'dm:bob:me',
  kind: 'dm',
  name: 'bob',
  lastSeq: 7,
  readSeq: 0,
  unread: 7,
  mentions: 0,
  firstSeq: 3,
};
const room: ChannelState = {
  channel: 'room:new',
  kind: 'room',
  name: 'new',
  lastSeq: 9,
  readSeq: 6,
  unread: 3,
  mentions: 0,
  firstSeq: 1,
};

describe('ChannelBook.applyHello', () => {
  test('on the first hello of a client without positions every channel goes live, none is replayed', () => {
    const b = new ChannelBook();
    assert.deepEqual(b.applyHello([general, dm, room]).replay, []);
    assert.equal(b.position('dm:bob:me'), 7);
  });

  test('a channel new to a client that knew its channels is replayed: a DM from its start, a room from the read position', () => {
    const b = new ChannelBook();
    b.applyHello([general]);
    const { replay } = b.applyHello([general, dm, room]);
    assert.deepEqual(replay, [
      { channel: 'dm:bob:me', after: 2 },
      { channel: 'room:new', after: 6 },
    ]);
    assert.equal(b.position('room:new'), 6);
  });

  test('positions given at construction count as knowing the channels', () => {
    const b = new ChannelBook([{ channel: 'room:general', after: 4 }]);
    assert.deepEqual(b.applyHello([general, { ...room, readSeq: 9 }]).replay, []);
    assert.deepEqual(b.applyHello([general, dm]).replay, [{ channel: 'dm:bob:me', after: 2 }]);
  });
});

const FAST = { minDelay: 10, maxDelay: 20, factor: 2, jitter: 0 };

describe('ChannelBook.message', () => {
  test('counts new messages of others as unread, not events, not my own', () => {
    const b = new ChannelBook();
    b.applyHello([{ ...general, lastSeq: 10, readSeq: 8, unread: 2 }]);
    const at = (seq: number, extra: object = {}, from = 'bob') =>
      b.message({ ...msg('room:general', seq, from), ...extra }, 'me')!.unread;
    assert.equal(at(11), 3);
    assert.equal(at(12, { edits: 11 }), 3, 'an edit');
    assert.equal(at(13, { reacts: 11, emoji: '👍' }), 3, 'a reaction');
    assert.equal(at(14, { deletes: 11 }), 3, 'a delete');
    assert.equal(at(15, {}, 'me'), 0, 'my own message reads the channel');
    assert.equal(at(16, { reacts: 15, emoji: '👍' }), 0);
  });
});

describe('ChannelSync', () => {
  function harness(backoff = RECONNECT_DEFAULTS) {
    const book = new ChannelBook();
    book.applyHello([general]);
    book.applyHello([general, dm]);
    const emitted: number[] = [];
    const events: SyncingEvent[] = [];
    const frames: Record<string, unknown>[] = [];
    const removed: string[] = [];
    const sync = new ChannelSync(
      {
        request: (frame) => {
          frames.push(frame);
          return new Promise(() => {});
        },
        position: (channel) => book.position(channel),
        deliver: (m) => {
          if (book.message(m, 'me')) emitted.push(m.seq);
        },
        synced: (r) => book.synced(r.channel, r.seq),
        syncing: (e) => events.push(e),
        removed: (channel) => removed.push(channel),
      },
      backoff,
    );
    return { book, sync, emitted, events, frames, removed };
  }

  test('emits a replaying channel in seq order: each message once it is next, the rest when the replay ends', () => {
    const { sync, emitted, events, frames } = harness();
    sync.begin([], [{ channel: 'dm:bob:me', after: 2 }]);
    assert.deepEqual(frames, [{ type: 'resume', channel: 'dm:bob:me', after: 2 }]);
    assert.deepEqual(events, [{ channel: 'dm:bob:me', after: 2, attempt: 0 }]);
    for (const seq of [8, 9, 3, 4, 8]) assert.equal(sync.accept(msg('dm:bob:me', seq)), true);
    assert.deepEqual(emitted, [3, 4], 'live 8 and 9 wait for 5-7');
    sync.accept(msg('dm:bob:me', 11, 'me'));
    sync.end({ channel: 'dm:bob:me', seq: 9, truncated: false, firstSeq: 3 });
    assert.deepEqual(emitted, [3, 4, 8, 9, 11], 'the end releases the rest, once, in order');
    assert.equal(sync.accept(msg('dm:bob:me', 12)), false, 'live again');
    assert.equal(sync.channels.size, 0);
  });

  test('a channel that is not replaying is not held', () => {
    const { sync } = harness();
    assert.equal(sync.accept(msg('room:general', 11)), false);
  });

  test('drops a channel whose replay failed for good (banned, gone) and does not retry it', async () => {
    const { sync, events, frames, removed } = harness(FAST);
    sync.failed('room:general', new SwitchboardError('SB_ERR_BANNED'));
    assert.deepEqual(removed, ['room:general']);
    assert.equal(sync.channels.size, 0, 'nothing waits for it');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(frames, [], 'no resume asked');
    assert.deepEqual(events, []);
  });

  test('retries a replay that failed for a passing reason (store down)', async () => {
    const { sync, frames, removed } = harness(FAST);
    sync.failed('room:general', new SwitchboardError('SB_ERR_STORE_UNAVAILABLE'));
    assert.deepEqual(removed, []);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(frames, [{ type: 'resume', channel: 'room:general', after: 10 }]);
  });
});
