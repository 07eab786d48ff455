/**
 * switchboard/client/moderation against a real server: private rooms, invites, roles, deletes,
 * reports, mutes, kicks and bans as the SDK's calls and events; and its permission mirror in step
 * with the server's table.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SwitchboardClient } from '../../src/client/index.js';
import * as mod from '../../src/client/moderation.js';
import { ROOM_KINDS, ROOM_ROLES, authorize, outranks } from '../../src/core/permissions.js';
import {
  collect,
  handle,
  makeClient,
  until,
  waitFor,
  errorCode,
  serverWithUsers,
} from './helpers.js';

const fx = serverWithUsers();
const { user } = fx;

/** A private room of `owner` with `members` invited into it. */
async function privateRoom(owner: SwitchboardClient, ...members: SwitchboardClient[]) {
  const room = handle('club').replace(/[^a-z0-9_-]/g, '');
  await owner.createRoom(room, 'private');
  for (const m of members) {
    const joined = waitFor(m, 'channel', (s) => s.channel === `room:${room}`);
    await mod.invite(owner, room, m.user!);
    await joined;
  }
  return { room, channel: `room:${room}` };
}

const code = errorCode;

describe('switchboard/client/moderation', () => {
  test('a private room is invite only: unknown to a stranger until invited, then theirs', async () => {
    const owner = await user('own');
    const guest = await user('gst');
    const { room, channel } = await privateRoom(owner);
    assert.equal(await code(guest.joinRoom(room)), 'SB_ERR_ROOM_NOT_FOUND');
    assert.ok(!(await guest.listRooms()).some((r) => r.room === room));
    const added = waitFor(guest, 'channel', (s) => s.channel === channel);
    await mod.invite(owner, room, guest.user!);
    await added;
    const got = waitFor(guest, 'message', (m) => m.text === 'welcome');
    await owner.sendToRoom(room, 'welcome');
    await got;
  });

  test('roomMembers lists the kind and each role; setRole promotes; outranking is refused', async () => {
    const owner = await user('own');
    const a = await user('mem');
    const b = await user('mem');
    const { room } = await privateRoom(owner, a, b);
    await mod.setRole(owner, room, a.user!, 'moderator');
    const list = await mod.roomMembers(b, room);
    assert.equal(list.kind, 'private');
    const roles = Object.fromEntries(list.members.map((m) => [m.user, m.role]));
    assert.deepEqual(roles, {
      [owner.user!]: 'owner',
      [a.user!]: 'moderator',
      [b.user!]: 'member',
    });
    assert.equal(await code(mod.kick(a, room, owner.user!)), 'SB_ERR_OUTRANKED');
    assert.equal(await code(mod.mute(b, room, a.user!)), 'SB_ERR_FORBIDDEN');
  });

  test('messageVersions gives a moderator every text of an edited message; a member is refused', async () => {
    const owner = await user('own');
    const author = await user('aut');
    const { room, channel } = await privateRoom(owner, author);
    const sent = await author.sendToRoom(room, 'draft');
    await author.command({ type: 'edit', channel, seq: sent.seq, text: 'final', cid: 'e1' });
    const versions = await mod.messageVersions(owner, channel, sent.seq);
    assert.deepEqual(
      versions.map((v) => v.text),
      ['draft', 'final'],
    );
    assert.equal(await code(mod.messageVersions(author, channel, sent.seq)), 'SB_ERR_FORBIDDEN');
  });

  test('a delete is a delete event, never a message: live, for its author, and on resume', async () => {
    const owner = await user('own');
    const author = await user('aut');
    const { room, channel } = await privateRoom(owner, author);
    const sent = await author.sendToRoom(room, 'oops');
    const messages = collect(author, 'message');
    const seen = waitFor(author, 'delete', (d) => d.seq === sent.seq);
    const mine = waitFor(owner, 'delete', (d) => d.seq === sent.seq);
    const event = await mod.deleteMessage(owner, channel, sent.seq);
    assert.equal(event.deletes, sent.seq);
    assert.equal((await seen).by, owner.user);
    assert.equal((await mine).by, owner.user, 'the deleter hears it from its own reply');
    assert.deepEqual(messages, []);

    // History: the message in its current state, a tombstone; no delete event.
    const page = (await author.history(channel)).messages;
    assert.deepEqual(
      page.map((m) => [m.seq, m.text, m.deleted]),
      [[sent.seq, '', true]],
    );

    // A later reader resumes from before both: the replay emits the message and then the delete.
    const late = makeClient({
      url: fx.server.wsUrl,
      token: author.token!,
      positions: [{ channel, after: sent.seq - 1 }],
    });
    fx.track(late);
    const replayed = collect(late, 'message');
    const deletes = collect(late, 'delete');
    await late.connect();
    await until(() => deletes.length > 0, 5000, 'the replayed delete');
    // The text is gone from the store: the replayed message is its tombstone.
    assert.deepEqual(
      replayed.filter((m) => m.channel === channel).map((m) => [m.text, m.deleted]),
      [['', true]],
    );
  });

  test('a report reaches the room’s moderators as a report event', async () => {
    const owner = await user('own');
    const author = await user('aut');
    const reporter = await user('rep');
    const { room, channel } = await privateRoom(owner, author, reporter);
    const sent = await author.sendToRoom(room, 'rude words');
    const got = waitFor(owner, 'report', (r) => r.seq === sent.seq);
    await mod.report(reporter, channel, sent.seq, 'rude');
    const r = await got;
    assert.deepEqual(
      { channel: r.channel, from: r.from, text: r.text, reporter: r.reporter, reason: r.reason },
      { channel, from: author.user, text: 'rude words', reporter: reporter.user, reason: 'rude' },
    );
    const entries = await mod.audit(owner, { room });
    assert.ok(entries.some((e) => e.action === 'report' && e.actor === reporter.user));
  });

  test('resolveReport closes a report once, with its note, for the room\u2019s moderators only', async () => {
    const owner = await user('own');
    const author = await user('aut');
    const reporter = await user('rep');
    const { room, channel } = await privateRoom(owner, author, reporter);
    const sent = await author.sendToRoom(room, 'spam spam');
    await mod.report(reporter, channel, sent.seq, 'spam');
    const entry = (await mod.audit(owner, { room })).find((e) => e.action === 'report');
    assert.ok(entry, 'the report is an audit entry');
    assert.equal(
      await code(mod.resolveReport(reporter, entry.id, 'dismissed')),
      'SB_ERR_FORBIDDEN',
    );
    const closed = await mod.resolveReport(owner, entry.id, 'resolved', 'removed the spam');
    assert.deepEqual(
      { report: closed.report, state: closed.state, by: closed.by, note: closed.note },
      { report: entry.id, state: 'resolved', by: owner.user, note: 'removed the spam' },
    );
    assert.equal(typeof closed.ts, 'number');
    assert.equal(
      await code(mod.resolveReport(owner, entry.id, 'dismissed')),
      'SB_ERR_REPORT_CLOSED',
    );
    assert.equal(
      await code(mod.resolveReport(owner, entry.id + 1_000_000, 'resolved')),
      'SB_ERR_REPORT_NOT_FOUND',
    );
    const log = await mod.audit(owner, { room });
    assert.equal(log.filter((e) => e.action === 'report-resolve').length, 1);
  });

  test('mute refuses sends with SB_ERR_MUTED until unmuted', async () => {
    const owner = await user('own');
    const m = await user('mut');
    const { room } = await privateRoom(owner, m);
    await mod.mute(owner, room, m.user!, { duration: 60, reason: 'cool down' });
    assert.equal(
      (await mod.roomMembers(owner, room)).members.find((x) => x.user === m.user)?.muted,
      true,
    );
    assert.equal(await code(m.sendToRoom(room, 'hello?')), 'SB_ERR_MUTED');
    await mod.unmute(owner, room, m.user!);
    assert.equal(await code(m.sendToRoom(room, 'hello again')), 'ok');
  });

  test('kick and ban remove the room with a member event that says which', async () => {
    const owner = await user('own');
    const m = await user('kck');
    const { room, channel } = await privateRoom(owner, m);
    const kicked = waitFor(m, 'member', (e) => e.user === m.user && !e.joined);
    await mod.kick(owner, room, m.user!, 'spam');
    assert.equal((await kicked).removed, 'kick');
    assert.ok(!m.channels.has(channel));

    await mod.invite(owner, room, m.user!);
    await until(() => m.channels.has(channel));
    const banned = waitFor(m, 'member', (e) => e.user === m.user && !e.joined);
    await mod.ban(owner, room, m.user!, { duration: 3600 });
    assert.equal((await banned).removed, 'ban');
    assert.ok(!m.channels.has(channel));
    assert.equal(await code(mod.invite(owner, room, m.user!)), 'SB_ERR_BANNED');
    await mod.unban(owner, room, m.user!);
    assert.equal(await code(mod.invite(owner, room, m.user!)), 'ok');
  });

  test('roomSettings, block and unblock reach the server; a refusal keeps its code', async () => {
    const owner = await user('own');
    const other = await user('oth');
    const { room } = await privateRoom(owner);
    await mod.roomSettings(owner, room, { kind: 'public', slowMode: 5 });
    assert.equal((await mod.roomMembers(other, room)).kind, 'public');
    await mod.block(owner, other.user!);
    assert.equal(await code(other.sendDm(owner.user!, 'hi')), 'SB_ERR_BLOCKED');
    await mod.unblock(owner, other.user!);
    assert.equal(await code(other.sendDm(owner.user!, 'hi')), 'ok');
    assert.equal(await code(mod.ban(other, null, owner.user!)), 'SB_ERR_FORBIDDEN');
  });
});

describe('the permission mirror', () => {
  const commands: mod.ModerationCommand[] = [
    'invite',
    'kick',
    'ban',
    'unban',
    'mute',
    'unmute',
    'role',
    'room-settings',
    'archive',
    'unarchive',
    'audit',
    'delete',
    'versions',
  ];
  const roles = [null, ...ROOM_ROLES];

  test('allowed() agrees with the server table for every command, kind and role', () => {
    for (const command of commands)
      for (const kind of ROOM_KINDS)
        for (const role of roles) {
          // In the state each runs in: unarchive only in an archived room.
          const state = command === 'unarchive' ? 'archived' : 'open';
          const actor = { role, serverAdmin: false, banned: false, muted: false };
          const server = authorize(command, kind, actor, state) === null;
          assert.equal(mod.allowed(command, kind, role), server, `${command} ${kind} ${role}`);
        }
  });

  test('outranks() agrees with the server for every pair and grant', () => {
    for (const actor of roles)
      for (const target of roles)
        for (const grant of [undefined, ...ROOM_ROLES])
          assert.equal(
            mod.outranks(actor, target, grant),
            outranks({ role: actor, serverAdmin: false }, target, grant),
            `${actor} ${target} ${grant}`,
          );
  });
});
