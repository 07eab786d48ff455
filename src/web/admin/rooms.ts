/** Rooms (every room, as a server admin sees them) with member counts, messages, and members. */
import { h } from '../dom.js';
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
    const { rooms } = await api.call<{ rooms: RoomRow[] }>('GET', '/rooms');
    const members = h('div', { 'data-testid': 'room-members' });
    const show = (room: string) =>
      ctx.run(async () => {
        const r = await api.call<{ kind: string; members: Member[] }>(
          'GET',
          `/rooms/${encodeURIComponent(room)}/members`,
        );
        members.replaceChildren(
          h('h3', {}, `Members of ${room} (${r.kind})`),
          table(
            `${r.members.length} member(s)`,
            ['Handle', 'Role', 'Connections', 'Muted'],
            r.members.map((m) => [m.user, m.role, m.connections, m.muted ? 'yes' : '']),
            'member-table',
          ),
        );
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
      members,
    );
  },
};
