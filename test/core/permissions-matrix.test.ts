/**
 * Walks every cell of the permission table (src/core/permissions.ts) over the wire: for each
 * command, room state (open, archived), room kind and subject (a role or state of the user), a
 * new room with an actor in that position
 * sends the command, and the answer must be the table's: a reply, or exactly its error code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  PERMISSIONS,
  ROOM_COMMANDS,
  ROOM_KINDS,
  ROOM_STATES,
  SUBJECTS,
  authorize,
  type RoomCommand,
  type RoomState,
  type Subject,
} from '../../src/core/permissions.js';
import type { RoomKind } from '../../src/store/store.js';
import { startNode, type Node } from './harness.js';
import { fresh, must, outcome, rolesAuth, scene, type Scene } from './roles.js';

/** A report of message 1 by the room's owner, for `report-resolve`: its audit entry id. */
async function reportOf(s: Scene): Promise<number> {
  await must(s.owner, { type: 'report', channel: `room:${s.room}`, seq: 1, reason: 'spam' });
  const r = await s.owner.request({ type: 'audit', room: s.room, limit: 1 });
  const [entry] = (r as unknown as { data: { entries: { id: number; action: string }[] } }).data
    .entries;
  assert.equal(entry?.action, 'report');
  return entry.id;
}

function frameOf(command: RoomCommand, s: Scene, report: number): Record<string, unknown> {
  const channel = `room:${s.room}`;
  const room = s.room;
  switch (command) {
    case 'history':
    case 'typing':
      return { type: command, channel };
    case 'read':
      return { type: command, channel, seq: 0 };
    case 'delete':
    case 'versions':
      return { type: command, channel, seq: 1 };
    case 'report':
      return { type: command, channel, seq: 1, reason: 'spam' };
    case 'edit':
      return { type: command, channel, seq: 1, text: 'edited', cid: 'e1' };
    case 'react':
      return { type: command, channel, seq: 1, emoji: '👍', cid: 'r1' };
    case 'resume':
      return { type: command, channel, after: 0 };
    case 'send':
      return { type: command, room, text: 'hi', cid: 'c1' };
    case 'mention-all':
      return { type: 'send', room, text: '@room hi', cid: 'c1' };
    case 'thread':
      return { type: 'send', room, text: 'in thread', cid: 't1', thread: 1 };
    case 'follow':
      return { type: command, channel, thread: 1 };
    case 'invite':
      return { type: command, room, user: fresh('invitee') };
    case 'kick':
    case 'ban':
    case 'unban':
    case 'mute':
    case 'unmute':
      return { type: command, room, user: s.target };
    case 'role':
      return { type: command, room, user: s.target, role: 'moderator' };
    case 'room-settings':
      return { type: command, room, slowMode: 0 };
    case 'report-resolve':
      return { type: command, report, outcome: 'dismissed', note: 'matrix' };
    default:
      return { type: command, room };
  }
}

/**
 * The table's answer; past it, an edit of message 1 (the owner's) is the owner's alone: the
 * table has no role that edits another's message.
 */
function expected(
  command: RoomCommand,
  kind: RoomKind,
  subject: Subject,
  state: RoomState,
): string {
  const actor = SUBJECTS[subject];
  if (command === 'mention-all') {
    // A send first; in a room above --mention-all-min-members (0 here) the mention's row then.
    const send = authorize('send', kind, actor, state);
    const code = send ?? authorize(command, kind, actor, state);
    return code === 'SB_ERR_FORBIDDEN' && send === null
      ? 'SB_ERR_MENTION_FORBIDDEN'
      : (code ?? 'ok');
  }
  const code = authorize(command, kind, actor, state);
  if (code !== null) return code;
  return command === 'edit' && subject !== 'owner' ? 'SB_ERR_FORBIDDEN' : 'ok';
}

describe('the permission table over the wire', () => {
  let node: Node;
  before(async () => {
    node = await startNode({ auth: rolesAuth, mentionAllMinMembers: 0 });
  });
  after(() => node.stop());

  it('covers every command of the table and only those', () => {
    assert.deepEqual(Object.keys(PERMISSIONS).sort(), [...ROOM_COMMANDS].sort());
  });

  it('holds back writes in archived rooms, and only there', () => {
    const writes = ROOM_COMMANDS.filter((c) => PERMISSIONS[c].only === 'open');
    assert.ok(
      ['send', 'edit', 'react', 'delete', 'typing'].every((c) => writes.includes(c as never)),
    );
    assert.ok(!writes.includes('history') && !writes.includes('read'));
  });

  for (const command of ROOM_COMMANDS) {
    it(`answers ${command} as the table says in every room state, kind and role`, async () => {
      const got: string[] = [];
      const want: string[] = [];
      for (const state of ROOM_STATES) {
        for (const kind of ROOM_KINDS) {
          for (const subject of Object.keys(SUBJECTS) as Subject[]) {
            const s = await scene(node, kind, subject, state);
            const cell = `${command} | ${state} ${kind} | ${subject}`;
            const report = command === 'report-resolve' ? await reportOf(s) : 0;
            got.push(`${cell} → ${await outcome(s.actor, frameOf(command, s, report))}`);
            want.push(`${cell} → ${expected(command, kind, subject, state)}`);
            s.actor.raw.drop();
            s.owner.raw.drop();
          }
        }
      }
      assert.deepEqual(got, want);
    });
  }
});
