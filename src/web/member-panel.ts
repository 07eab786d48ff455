/**
 * The member list of the open room: each member's role, whether they are online or muted, the
 * viewer's own role, an invite form, and per member a "⋯" menu (and right click) with the acts
 * the viewer's role permits on them (kick, ban, mute, unmute, change role), mirrored from the
 * server's permission table by switchboard/client/moderation; the server still decides, and a
 * refusal is shown in words. Role changes are not pushed by the server: the list is read afresh
 * when the room opens, when the panel opens, on member events and after every act from here.
 */
import type { SwitchboardClient } from '../client/index.js';
import * as mod from '../client/moderation.js';
import type { MemberInfo, RoomKind, RoomRole } from '../protocol/frames.js';
import { ask } from './ask-dialog.js';
import { byTestId, h, userText } from './dom.js';
import { openMenu, type MenuItem } from './menu.js';

export interface MemberPanelDeps {
  client(): SwitchboardClient | null;
  me(): string;
  /** A refusal or failure, in words. */
  error(err: unknown): void;
  /** Something done, in words. */
  notice(text: string): void;
  /** The viewer's mute in the open room as the list says it. */
  muted(room: string, muted: boolean): void;
  /** The list was read: the viewer's role and the room's kind may have changed. */
  loaded(): void;
}

const ROLE_NAMES: Record<RoomRole, string> = {
  owner: 'owner',
  admin: 'admin',
  moderator: 'moderator',
  member: 'member',
};
const KIND_NAMES: Record<RoomKind, string> = {
  public: 'public room',
  private: 'private room (invite only)',
  announcement: 'announcement room',
};

const BAN_DURATIONS = [
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '1 week' },
  { value: '', label: 'Until lifted' },
];
const MUTE_DURATIONS = [
  { value: '600', label: '10 minutes' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '', label: 'Until lifted' },
];

export class MemberPanel {
  private readonly panel = byTestId('member-panel');
  private readonly toggle = byTestId<HTMLButtonElement>('members-toggle');
  private readonly list = byTestId('member-list');
  private readonly mine = byTestId('my-role');
  private readonly inviteForm = byTestId<HTMLFormElement>('invite-form');
  private readonly inviteInput = byTestId<HTMLInputElement>('invite-input');
  private room: string | null = null;
  private kind: RoomKind = 'public';
  private members: MemberInfo[] = [];
  private generation = 0;

  constructor(private readonly deps: MemberPanelDeps) {
    this.toggle.addEventListener('click', () => this.setOpen(this.panel.hidden));
    byTestId('member-panel-close').addEventListener('click', () => {
      this.setOpen(false);
      this.toggle.focus();
    });
    this.inviteForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.invite();
    });
  }

  /** The viewer's role in the open room (null: not known to be a member). */
  get myRole(): RoomRole | null {
    return this.members.find((m) => m.user === this.deps.me())?.role ?? null;
  }

  get roomKind(): RoomKind {
    return this.kind;
  }

  /** The open channel changed: a room's list is read, anything else hides the panel's button. */
  show(room: string | null): void {
    this.room = room;
    this.members = [];
    this.kind = 'public';
    this.generation++;
    this.list.replaceChildren();
    this.mine.textContent = '';
    this.toggle.hidden = room === null;
    if (room === null) this.setOpen(false);
    else void this.refresh();
  }

  /** Reads the list again (no-op outside a room). */
  async refresh(): Promise<void> {
    const c = this.deps.client();
    const room = this.room;
    if (!c || !room || c.state !== 'ready') return;
    const gen = ++this.generation;
    try {
      const result = await mod.roomMembers(c, room);
      if (gen !== this.generation) return;
      this.kind = result.kind;
      this.members = result.members;
      this.render();
      const me = this.members.find((m) => m.user === this.deps.me());
      if (me) this.deps.muted(room, me.muted === true);
      this.deps.loaded();
    } catch (err) {
      if (gen === this.generation && this.open) this.deps.error(err);
    }
  }

  get open(): boolean {
    return !this.panel.hidden;
  }

  setOpen(open: boolean): void {
    this.panel.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    if (open) void this.refresh();
  }

  private render(): void {
    const me = this.deps.me();
    const role = this.myRole;
    const kind = KIND_NAMES[this.kind];
    this.mine.dataset.role = role ?? '';
    this.mine.textContent = role
      ? `You are ${role === 'owner' || role === 'admin' ? 'an' : 'a'} ${ROLE_NAMES[role]} of this ${kind}.`
      : `This is a ${kind}.`;
    this.inviteForm.hidden = !mod.allowed('invite', this.kind, role);
    const order = (m: MemberInfo) => -mod.ROLE_LEVEL[m.role];
    const sorted = [...this.members].sort(
      (a, b) => order(a) - order(b) || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0),
    );
    this.list.replaceChildren(...sorted.map((m) => this.item(m, m.user === me)));
  }

  private item(m: MemberInfo, self: boolean): HTMLElement {
    const online = m.connections > 0;
    const li = h(
      'li',
      {
        class: 'member',
        'data-testid': 'member',
        'data-user': m.user,
        'data-role': m.role,
        'data-online': String(online),
        'data-muted': String(m.muted === true),
      },
      h('span', {
        class: online ? 'dot on' : 'dot',
        role: 'img',
        'aria-label': online ? 'online' : 'offline',
      }),
      userText('span', { class: 'name' }, self ? `${m.user} (you)` : m.user),
      h('span', { class: `role role-${m.role}`, 'data-testid': 'member-role' }, m.role),
      m.muted ? h('span', { class: 'role muted', 'data-testid': 'member-muted' }, 'muted') : null,
    );
    const items = self ? [] : this.memberItems(m);
    if (items.length > 0) {
      const button = h(
        'button',
        {
          type: 'button',
          class: 'more',
          'data-testid': 'member-menu',
          'aria-haspopup': 'menu',
          'aria-expanded': 'false',
          'aria-label': `Actions for ${m.user}`,
        },
        '⋯',
      );
      button.addEventListener('click', () =>
        openMenu(this.memberItems(m), button, `Actions for ${m.user}`),
      );
      li.addEventListener('contextmenu', (ev) => {
        ev.preventDefault();
        openMenu(this.memberItems(m), { x: ev.clientX, y: ev.clientY }, `Actions for ${m.user}`);
      });
      li.append(button);
    }
    return li;
  }

  /** What the viewer's role permits on member `m` (mirrors the server's table). */
  private memberItems(m: MemberInfo): MenuItem[] {
    const room = this.room;
    const me = this.myRole;
    if (!room || !mod.outranks(me, m.role)) return [];
    const may = (c: mod.ModerationCommand) => mod.allowed(c, this.kind, me);
    const user = m.user;
    const items: MenuItem[] = [];
    const grants = (['admin', 'moderator', 'member'] as const).filter(
      (r) => r !== m.role && mod.outranks(me, m.role, r),
    );
    if (may('role') && grants.length > 0)
      items.push({
        label: 'Change role…',
        testId: 'action-role',
        run: () => void this.changeRole(room, user, grants),
      });
    if (may('mute') && !m.muted)
      items.push({
        label: 'Mute…',
        testId: 'action-mute',
        run: () => void this.restrict('mute', room, user),
      });
    if (may('unmute') && m.muted)
      items.push({
        label: 'Unmute',
        testId: 'action-unmute',
        run: () => void this.act(`Unmuted ${user}.`, (c) => mod.unmute(c, room, user)),
      });
    if (may('kick'))
      items.push({
        label: 'Remove from room',
        testId: 'action-kick',
        danger: true,
        run: () => void this.act(`Removed ${user} from #${room}.`, (c) => mod.kick(c, room, user)),
      });
    if (may('ban'))
      items.push({
        label: 'Ban…',
        testId: 'action-ban',
        danger: true,
        run: () => void this.restrict('ban', room, user),
      });
    return items;
  }

  private async changeRole(room: string, user: string, grants: RoomRole[]): Promise<void> {
    const a = await ask({
      title: `Role of ${user} in #${room}`,
      choice: { label: 'New role', options: grants.map((r) => ({ value: r, label: r })) },
      ok: 'Change role',
    });
    if (!a) return;
    const role = a.choice as RoomRole;
    await this.act(`${user} is now ${role}.`, (c) => mod.setRole(c, room, user, role));
  }

  private async restrict(kind: 'ban' | 'mute', room: string, user: string): Promise<void> {
    const a = await ask({
      title: `${kind === 'ban' ? 'Ban' : 'Mute'} ${user} in #${room}`,
      choice: { label: 'For', options: kind === 'ban' ? BAN_DURATIONS : MUTE_DURATIONS },
      text: { label: 'Reason (optional)' },
      ok: kind === 'ban' ? 'Ban' : 'Mute',
    });
    if (!a) return;
    const options = {
      ...(a.choice ? { duration: Number(a.choice) } : {}),
      ...(a.text ? { reason: a.text } : {}),
    };
    await this.act(`${kind === 'ban' ? 'Banned' : 'Muted'} ${user}.`, (c) =>
      kind === 'ban' ? mod.ban(c, room, user, options) : mod.mute(c, room, user, options),
    );
  }

  private async invite(): Promise<void> {
    const room = this.room;
    const user = this.inviteInput.value.trim().replace(/^@/, '').toLowerCase();
    if (!room || !user) return;
    if (await this.act(`Invited ${user} to #${room}.`, (c) => mod.invite(c, room, user)))
      this.inviteInput.value = '';
  }

  /** Runs one act; says it worked or why not, and reads the list again. */
  private async act(done: string, run: (c: SwitchboardClient) => Promise<void>): Promise<boolean> {
    const c = this.deps.client();
    if (!c) return false;
    try {
      await run(c);
      this.deps.notice(done);
      return true;
    } catch (err) {
      this.deps.error(err);
      return false;
    } finally {
      void this.refresh();
    }
  }
}
