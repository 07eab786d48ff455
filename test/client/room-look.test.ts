/**
 * A room's topic and archived flag in the SDK against a real server: in the join reply, kept on
 * the channel's state, changed live by another member's `room-settings`, `archive` and
 * `unarchive` (as `room` and `channel` events), and taken again from the hello after a reconnect.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as mod from '../../src/client/moderation.js';
import { errorCode, handle, serverWithUsers, until, waitFor } from './helpers.js';

const fx = serverWithUsers();
const { user } = fx;

const code = errorCode;

describe('a room\u2019s topic and archived flag in the SDK', () => {
  test('a member sees the topic and archiving of another live, on the channel state', async () => {
    const owner = await user('own');
    const reader = await user('rdr');
    const room = handle('plans').replace(/[^a-z0-9_-]/g, '');
    const channel = `room:${room}`;
    const created = await owner.createRoom(room);
    assert.deepEqual([created.topic, created.archived], ['', false]);
    await mod.roomSettings(owner, room, { topic: 'Release <b>planning</b>' });
    const joined = await reader.joinRoom(room);
    assert.deepEqual([joined.topic, joined.archived], ['Release <b>planning</b>', false]);

    const topicEvent = waitFor(reader, 'room', (e) => e.room === room && 'topic' in e);
    const topicState = waitFor(reader, 'channel', (s) => s.channel === channel && s.topic === 'Q3');
    await mod.roomSettings(owner, room, { topic: '  Q3  ' });
    assert.equal((await topicEvent).topic, 'Q3');
    await topicState;
    assert.equal(reader.channels.get(channel)?.topic, 'Q3');

    const archivedState = waitFor(reader, 'channel', (s) => s.channel === channel && !!s.archived);
    await mod.setArchived(owner, room);
    await archivedState;
    assert.equal(reader.channels.get(channel)?.archived, true);
    assert.equal(reader.channels.get(channel)?.topic, 'Q3', 'archiving keeps the topic');
    const refused = await code(reader.command({ type: 'send', room, text: 'late', cid: 'x1' }));
    assert.equal(refused, 'SB_ERR_ROOM_ARCHIVED');

    const reopened = waitFor(reader, 'channel', (s) => s.channel === channel && !s.archived);
    await mod.setArchived(owner, room, false);
    await reopened;
    assert.equal(reader.channels.get(channel)?.archived, false);
    const sent = await reader.sendToRoom(room, 'back again');
    const read = await reader.markRead(channel, sent.seq);
    assert.equal(read.topic, 'Q3', 'a read reply does not say the topic: the known one stays');
  });

  test('after a reconnect the hello says the state, a change made meanwhile included', async () => {
    const owner = await user('own');
    const reader = await user('rdr');
    const room = handle('keep').replace(/[^a-z0-9_-]/g, '');
    const channel = `room:${room}`;
    await owner.createRoom(room);
    await reader.joinRoom(room);
    const ready = waitFor(reader, 'ready');
    reader.dropConnection();
    await mod.roomSettings(owner, room, { topic: 'Moved to #elsewhere' });
    await mod.setArchived(owner, room);
    const hello = await ready;
    assert.ok(hello.channels.some((c) => c.channel === channel && c.topic !== undefined));
    await until(() => reader.channels.get(channel)?.archived === true);
    assert.equal(reader.channels.get(channel)?.topic, 'Moved to #elsewhere');
  });
});
