/**
 * The page's channel list (src/web/channels.ts) without a browser: the unread badge counts what
 * the SDK counts (messages of others, not edits or reactions), positions only move forward, and
 * a read part of the way waits for the server's count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChannelState, ChatMessage } from '../../src/protocol/frames.js';
import { Channels } from '../../src/web/channels.js';

const state = (lastSeq: number, readSeq: number, unread: number): ChannelState => ({
  channel: 'room:general',
  kind: 'room',
  name: 'general',
  lastSeq,
  readSeq,
  unread,
  mentions: 0,
  firstSeq: 1,
});
const msg = (seq: number, from: string): ChatMessage => ({
  type: 'message',
  channel: 'room:general',
  seq,
  from,
  text: 'x',
  cid: `c${seq}`,
  ts: 0,
});

describe('page channel list', () => {
  it('takes the unread count from the SDK, so a reaction on an old message adds nothing', () => {
    const ch = new Channels(() => 'ann');
    ch.merge(state(10, 8, 1)); // seq 9 a message of bob's, seq 10 a reaction
    assert.equal(ch.unread('room:general'), 1);
    assert.equal(ch.totalUnread(), 1);
  });

  it('ignores a snapshot behind the read position it already has', () => {
    const ch = new Channels(() => 'ann');
    ch.merge(state(10, 8, 2));
    ch.onRead('room:general', 10);
    assert.equal(ch.unread('room:general'), 0);
    ch.merge(state(10, 8, 2));
    assert.equal(ch.unread('room:general'), 0, 'the stale snapshot does not resurrect the badge');
  });

  it('keeps the count on a read part of the way until the server says how many remain', () => {
    const ch = new Channels(() => 'ann');
    ch.merge(state(20, 5, 12));
    ch.onRead('room:general', 9);
    assert.equal(ch.unread('room:general'), 12);
    ch.merge(state(20, 9, 9));
    assert.equal(ch.unread('room:general'), 9);
  });

  it('clears the count when I send: my own message reads the channel', () => {
    const ch = new Channels(() => 'ann');
    ch.merge(state(4, 1, 3));
    ch.onMessage(msg(5, 'ann'));
    assert.equal(ch.unread('room:general'), 0);
    assert.equal(ch.get('room:general')?.readSeq, 5);
  });

  it('leaves my read position alone for my thread message not sent to the room', () => {
    const ch = new Channels(() => 'ann');
    ch.merge(state(4, 1, 3));
    ch.onMessage({ ...msg(5, 'ann'), thread: 2 });
    assert.equal(ch.get('room:general')?.readSeq, 1);
    assert.equal(ch.unread('room:general'), 3);
    ch.onMessage({ ...msg(6, 'ann'), thread: 2, alsoToRoom: true });
    assert.equal(ch.get('room:general')?.readSeq, 6);
    assert.equal(ch.unread('room:general'), 0);
  });
});
