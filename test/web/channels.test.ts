/** The page's channel list (src/web/channels.ts) without a browser: unread badges. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '../../src/protocol/frames.js';
import { Channels } from '../../src/web/channels.js';

const msg = (seq: number, from: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  type: 'message',
  channel: 'room:dev',
  seq,
  cid: `c${seq}`,
  from,
  text: 'x',
  ts: 1,
  ...extra,
});

describe('the page’s unread counts', () => {
  it('leave out thread messages not sent to the room, mine or others’, and count the rest', () => {
    const channels = new Channels(() => 'me');
    channels.merge({
      channel: 'room:dev',
      kind: 'room',
      name: 'dev',
      lastSeq: 1,
      readSeq: 1,
      unread: 0,
      firstSeq: 1,
    });
    channels.onMessage(msg(2, 'me', { thread: 1 }));
    channels.onMessage(msg(3, 'ann', { thread: 1 }));
    assert.equal(channels.unread('room:dev'), 0);
    channels.onMessage(msg(4, 'ann', { thread: 1, alsoToRoom: true }));
    channels.onMessage(msg(5, 'ann'));
    assert.equal(channels.unread('room:dev'), 2);
    channels.onRead('room:dev', 5);
    assert.equal(channels.unread('room:dev'), 0);
    assert.deepEqual(channels.get('room:dev')?.quiet, []);
  });
});
