/**
 * Users: search accounts (GET /users?q=), disable or enable one (a server-wide ban), revoke
 * every session, give or take the server admin role.
 */
import { h } from '../dom.js';
import type { Api } from './api.js';
import type { View } from './view.js';
import { button, table } from './table.js';

interface UserRow {
  user: string;
  name: string | null;
  roles: string[];
  bot: boolean;
  connections: number;
  disabled: boolean;
}

export const usersView: View = {
  id: 'users',
  label: 'Users',
  async render(root, api, ctx) {
    const input = h('input', {
      type: 'search',
      'aria-label': 'Search users',
      placeholder: 'handle or name',
      'data-testid': 'user-search',
      maxlength: 64,
    });
    const form = h(
      'form',
      { class: 'inline-form', role: 'search', 'data-testid': 'user-search-form' },
      input,
      h('button', { type: 'submit' }, 'Search'),
    );
    const list = h('div', {});
    const load = async () => {
      const q = encodeURIComponent(input.value.trim());
      const { users } = await api.call<{ users: UserRow[] }>('GET', `/users?limit=200&q=${q}`);
      list.replaceChildren(
        table(
          `${users.length} account(s)`,
          ['Handle', 'Name', 'Roles', 'Connections', 'State', 'Actions'],
          users.map((u) => [
            u.user,
            u.name,
            u.roles.join(', '),
            u.connections,
            u.disabled
              ? h('span', { class: 'disabled', 'data-testid': 'user-state' }, 'disabled')
              : h('span', { 'data-testid': 'user-state' }, 'active'),
            actions(api, u, load, ctx.run),
          ]),
          'user-table',
        ),
      );
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      ctx.run(load);
    });
    root.replaceChildren(h('h2', {}, 'Users'), form, list);
    await load();
  },
};

function actions(
  api: Api,
  u: UserRow,
  reload: () => Promise<void>,
  run: (f: () => Promise<unknown>) => void,
): HTMLElement {
  const path = `/users/${encodeURIComponent(u.user)}`;
  const act = (f: () => Promise<unknown>) => () =>
    run(async () => {
      await f();
      await reload();
    });
  const admin = u.roles.includes('admin');
  return h(
    'div',
    { class: 'actions', 'data-user': u.user },
    u.disabled
      ? button(
          `Enable ${u.user}`,
          'user-enable',
          act(() => api.call('POST', `${path}/enable`)),
        )
      : button(
          `Disable ${u.user}`,
          'user-disable',
          act(() => api.call('POST', `${path}/disable`, { reason: 'admin console' })),
        ),
    button(
      `Revoke sessions of ${u.user}`,
      'user-revoke',
      act(() => api.call('DELETE', `${path}/sessions`)),
    ),
    admin
      ? button(
          `Remove admin ${u.user}`,
          'user-unadmin',
          act(() => api.call('DELETE', `${path}/roles/admin`)),
        )
      : button(
          `Make ${u.user} admin`,
          'user-admin',
          act(() => api.call('PUT', `${path}/roles/admin`)),
        ),
  );
}
