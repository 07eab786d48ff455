/** The SDK's message model: edits, deletes and reactions applied to a message as history gives it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  withDelete,
  withEdit,
  withReaction,
  withThreadMessage,
  withoutThreadMessage,
} from '../../src/client/message-model.js';
import type { ChatMessage } from '../../src/protocol/frames.js';

const base: ChatMessage = {
  type: 'message',
  channel: 'room:dev',
  seq: 4,
  cid: 'c',
  from: 'ann',
  text: 'helo',
  ts: 1,
};
const at = (seq: number) => ({ channel: 'room:dev', seq, ts: 9 });

describe('message model', () => {
  test('an edit gives the new text and the edit time, and leaves the argument alone', () => {
    const edited = withEdit(base, { ...at(4), text: 'hello', by: 'ann' });
    assert.deepEqual([edited.text, edited.edited], ['hello', 9]);
    assert.equal(base.text, 'helo');
  });

  test('a delete leaves a tombstone without text, reactions or edit mark; later events keep it', () => {
    const rich = {
      ...base,
      edited: 5,
      reactions: [{ emoji: '👍', count: 1, me: true, users: ['me'] }],
    };
    const tomb = withDelete(rich);
    assert.deepEqual(tomb, { ...base, text: '', deleted: true });
    assert.equal(withEdit(tomb, { ...at(4), text: 'x', by: 'ann' }), tomb);
    assert.equal(withReaction(tomb, { ...at(4), emoji: '👍', user: 'bob', on: true }, 'me'), tomb);
  });

  test('reactions count exactly, keep three names and whether I reacted, and vanish at zero', () => {
    const r = (m: ChatMessage, user: string, on = true, emoji = '👍') =>
      withReaction(m, { ...at(4), emoji, user, on }, 'me');
    let m = r(r(r(r(base, 'bob'), 'me'), 'cat'), 'dan');
    assert.deepEqual(m.reactions, [
      { emoji: '👍', count: 4, me: true, users: ['bob', 'me', 'cat'] },
    ]);
    m = r(m, 'me', false);
    assert.deepEqual(m.reactions, [{ emoji: '👍', count: 3, me: false, users: ['bob', 'cat'] }]);
    m = r(m, 'eve', true, '🎉');
    assert.deepEqual(
      m.reactions?.map((x) => [x.emoji, x.count]),
      [
        ['👍', 3],
        ['🎉', 1],
      ],
    );
    m = r(m, 'eve', false, '🎉');
    for (const u of ['bob', 'cat', 'dan']) m = r(m, u, false);
    assert.equal(m.reactions, undefined, 'no reactions left: no list');
  });

  test('a thread message counts on its root with its time; a deleted one counts no more', () => {
    const reply = { ...base, seq: 6, ts: 20, thread: 4 };
    const once = withThreadMessage(base, reply);
    assert.deepEqual([once.replies, once.lastReply], [1, 20]);
    const twice = withThreadMessage(once, { ...reply, seq: 7, ts: 30 });
    assert.deepEqual([twice.replies, twice.lastReply], [2, 30]);
    assert.equal(withThreadMessage(base, { ...reply, thread: 5 }), base, 'another thread');
    assert.equal(withoutThreadMessage(twice).replies, 1);
    const none = withoutThreadMessage(once);
    assert.deepEqual([none.replies, none.lastReply], [undefined, undefined]);
    assert.equal(base.replies, undefined);
  });
});
