/** Renders the room list, the DM list and the online users. */
import type { ChannelInfo, Channels } from './channels.js';
import { badge, byTestId, h, keyedList, mentionBadge, userText, type ListRow } from './dom.js';

export interface SidebarActions {
  openChannel(channel: string): void;
  openDm(user: string): void;
}

export class Sidebar {
  private readonly rooms = byTestId('room-list');
  private readonly dms = byTestId('dm-list');
  private readonly online = byTestId('online-list');
  private readonly menuBadge = byTestId('menu-unread');

  constructor(
    private readonly channels: Channels,
    private readonly actions: SidebarActions,
  ) {}

  render(current: string | null, online: ReadonlyMap<string, number>, me: string): void {
    keyedList(
      this.rooms,
      this.channels.rooms().map((c) => this.item(c, current, 'room-item', `#${c.name}`)),
    );
    const dms = this.channels.dms();
    keyedList(
      this.dms,
      dms.map((c) => this.item(c, current, 'dm-item', c.name, online.get(c.name) ?? 0)),
    );
    // keyedList emptied the list: the hint takes its place.
    if (dms.length === 0)
      this.dms.append(h('li', { class: 'hint' }, 'Click someone online to message them.'));
    this.renderOnline(online, me);
    const total = this.channels.totalUnread();
    this.menuBadge.textContent = total > 0 ? String(total > 99 ? '99+' : total) : '';
    this.menuBadge.hidden = total === 0;
  }

  private item(
    c: ChannelInfo,
    current: string | null,
    testId: string,
    label: string,
    connections?: number,
  ): ListRow {
    const unread = this.channels.unread(c.channel);
    const make = () =>
      h(
        'button',
        {
          type: 'button',
          class: `chan${c.channel === current ? ' current' : ''}${unread ? ' has-unread' : ''}`,
          'data-testid': testId,
          'data-channel': c.channel,
          'data-name': c.name,
          'aria-current': c.channel === current ? 'page' : undefined,
        },
        connections === undefined
          ? null
          : h('span', { class: connections > 0 ? 'dot on' : 'dot', 'aria-hidden': 'true' }),
        userText('span', { class: 'name' }, label),
        mentionBadge(this.channels.mentions(c.channel)),
        badge(unread),
      );
    return { key: c.channel, make, onClick: () => this.actions.openChannel(c.channel) };
  }

  private renderOnline(online: ReadonlyMap<string, number>, me: string): void {
    const users = [...online.entries()]
      .filter(([, n]) => n > 0)
      .sort(([a], [b]) => (a === me ? -1 : b === me ? 1 : a.localeCompare(b)));
    keyedList(
      this.online,
      users.map(([user, n]): ListRow => {
        const self = user === me;
        const make = () =>
          h(
            'button',
            {
              type: 'button',
              class: 'user',
              'data-testid': 'online-user',
              'data-user': user,
              disabled: self,
              title: self ? 'you' : `Message ${user}`,
            },
            h('span', { class: 'dot on', 'aria-hidden': 'true' }),
            userText('span', { class: 'name' }, self ? `${user} (you)` : user),
            h(
              'span',
              { class: 'conns', 'data-testid': 'connections', title: 'open connections' },
              String(n),
            ),
          );
        // Keyed by self too: the listener is added once, so "me" and the others are apart.
        return self
          ? { key: `self:${user}`, make }
          : { key: user, make, onClick: () => this.actions.openDm(user) };
      }),
    );
  }
}
