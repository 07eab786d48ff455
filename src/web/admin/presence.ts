/** Live connections per node and who is online (GET /presence). */
import { h } from '../dom.js';
import type { View } from './view.js';
import { table } from './table.js';

interface Presence {
  users: { user: string; connections: number }[];
  online: number;
  node: string;
  nodes: { node: string; users: number; connections: number }[];
}

export const presenceView: View = {
  id: 'presence',
  label: 'Presence',
  async render(root, api) {
    const p = await api.call<Presence>('GET', '/presence');
    root.replaceChildren(
      h('h2', {}, 'Presence'),
      h('p', {}, `${p.online} user(s) online; this page is served by node ${p.node}.`),
      table(
        'Connections per node',
        ['Node', 'Users', 'Connections'],
        p.nodes.map((n) => [n.node, n.users, n.connections]),
        'node-table',
      ),
      table(
        'Online users',
        ['Handle', 'Connections'],
        p.users.map((u) => [u.user, u.connections]),
        'online-table',
      ),
    );
  },
};
