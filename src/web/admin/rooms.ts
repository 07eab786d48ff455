/**
 * Rooms (every room, as a server admin sees them) with member counts, messages, and members;
 * the archived ones (read-only, GET /rooms?archived=true) in a table of their own, each with
 * Unarchive.
 */
import { h } from '../dom.js';
import type { Api } from './api.js';
import type { View } from './view.js';
import { button, table } from './table.js';

interface RoomRow {
  room: string;
  members: number;
  lastSeq: number;
}
interface Member {
  user: string;
  role: string;
  connections: number;
  muted?: boolean;
}

export const roomsView: View = {
  id: 'rooms',
  label: 'Rooms',
  async render(root, api, ctx) {
    const [{ rooms }, { rooms: archived }] = await Promise.all([
      api.call<{ rooms: RoomRow[] }>('GET', '/rooms'),
      api.call<{ rooms: RoomRow[] }>('GET', '/rooms?archived=true'),
    ]);
    const members = h('div', { 'data-testid': 'room-members' });
    const show = (room: string) => ctx.run(() => showMembers(api, members, room));
    const unarchive = (room: string) =>
      ctx.run(async () => {
        await api.call('POST', `/rooms/${encodeURIComponent(room)}/unarchive`);
        await roomsView.render(root, api, ctx);
      });
    root.replaceChildren(
      h('h2', {}, 'Rooms'),
      table(
        `${rooms.length} room(s)`,
        ['Room', 'Members', 'Messages (last seq)', ''],
        rooms.map((r) => [
          r.room,
          r.members,
          r.lastSeq,
          button(`Members of ${r.room}`, 'room-members-open', () => show(r.room)),
        ]),
        'room-table',
      ),
      h('h3', {}, 'Archived rooms (read-only)'),
      table(
        `${archived.length} archived room(s)`,
        ['Room', 'Members', 'Messages (last seq)', ''],
        archived.map((r) => [
          r.room,
          r.members,
          r.lastSeq,
          h(
            'span',
            {},
            button(`Members of ${r.room}`, 'room-members-open', () => show(r.room)),
            ' ',
            button(`Unarchive ${r.room}`, 'room-unarchive', () => unarchive(r.room)),
          ),
        ]),
        'archived-room-table',
      ),
      members,
    );
  },
};

async function showMembers(api: Api, into: HTMLElement, room: string): Promise<void> {
  const r = await api.call<{ kind: string; members: Member[] }>(
    'GET',
    `/rooms/${encodeURIComponent(room)}/members`,
  );
  into.replaceChildren(
    h('h3', {}, `Members of ${room} (${r.kind})`),
    table(
      `${r.members.length} member(s)`,
      ['Handle', 'Role', 'Connections', 'Muted'],
      r.members.map((m) => [m.user, m.role, m.connections, m.muted ? 'yes' : '']),
      'member-table',
    ),
  );
}
