/**
 * "Browse rooms": a modal dialog listing every room on the server (most members first), marking
 * the ones the user is in. Choosing a room joins it when needed and opens it. The list is
 * fetched afresh every time the dialog opens, and again when the connection comes back while the
 * dialog shows a failed load. All room names go through textContent.
 */
import type { RoomInfo } from '../protocol/frames.js';
import { byTestId, h, userText } from './dom.js';
import { describeError, errorCode } from './login.js';

export interface RoomBrowserActions {
  /** Every room on the server. */
  list(): Promise<RoomInfo[]>;
  /** Whether the user is already a member. */
  isJoined(room: string): boolean;
  /** Joins the room (throws on failure). */
  join(room: string): Promise<void>;
  /** Opens a room the user is in. */
  open(room: string): void;
}

/** Most members first, then by name. */
export function sortRooms(rooms: readonly RoomInfo[]): RoomInfo[] {
  return [...rooms].sort(
    (a, b) => b.members - a.members || (a.room < b.room ? -1 : a.room > b.room ? 1 : 0),
  );
}

export function memberLabel(n: number): string {
  return `${n} ${n === 1 ? 'member' : 'members'}`;
}

export class RoomBrowser {
  private readonly dialog = byTestId<HTMLDialogElement>('room-browser');
  private readonly list = byTestId('room-browser-list');
  private readonly status = byTestId('room-browser-status');
  private readonly retry = byTestId<HTMLButtonElement>('room-browser-retry');
  /** Bumped on every load so a slow, stale reply never overwrites a newer one. */
  private generation = 0;
  private busy = false;

  constructor(private readonly actions: RoomBrowserActions) {
    byTestId('browse-rooms').addEventListener('click', () => this.open());
    byTestId('room-browser-close').addEventListener('click', () => this.close());
    this.retry.addEventListener('click', () => void this.load());
    // A click on the backdrop lands on the dialog element itself.
    this.dialog.addEventListener('click', (ev) => {
      if (ev.target === this.dialog) this.close();
    });
  }

  open(): void {
    if (!this.dialog.open) this.dialog.showModal();
    void this.load();
  }

  /** The connection is ready again: an open dialog whose list could not load fetches it now. */
  reconnected(): void {
    if (this.dialog.open && !this.retry.hidden) void this.load();
  }

  close(): void {
    this.generation++;
    this.busy = false;
    if (this.dialog.open) this.dialog.close();
  }

  /** Fetches and shows the list; `note` (e.g. why a join failed) stays shown above it. */
  private async load(note?: { text: string; code?: string }): Promise<void> {
    const generation = ++this.generation;
    this.busy = false;
    this.list.replaceChildren();
    this.setStatus('Loading rooms…');
    this.retry.hidden = true;
    this.list.setAttribute('aria-busy', 'true');
    try {
      const rooms = sortRooms(await this.actions.list());
      if (generation !== this.generation) return;
      this.list.replaceChildren(...rooms.map((r) => this.item(r)));
      if (note) this.setStatus(note.text, note.code);
      else this.setStatus(rooms.length ? null : 'No rooms yet. Create one with the + form.');
    } catch (err) {
      if (generation !== this.generation) return;
      this.setStatus(`Could not load rooms: ${describeError(err)}`, errorCode(err));
      this.retry.hidden = false;
    } finally {
      if (generation === this.generation) this.list.removeAttribute('aria-busy');
    }
  }

  private item(info: RoomInfo): HTMLElement {
    const joined = this.actions.isJoined(info.room);
    const button = h(
      'button',
      {
        type: 'button',
        class: `browse-room${joined ? ' joined' : ''}`,
        'data-testid': 'browse-room',
        'data-name': info.room,
        'data-joined': String(joined),
        title: joined ? `Open #${info.room}` : `Join #${info.room}`,
      },
      userText('span', { class: 'name' }, `#${info.room}`),
      h(
        'span',
        { class: 'members', 'data-testid': 'browse-room-members' },
        memberLabel(info.members),
      ),
      h(
        'span',
        { class: 'action', 'data-testid': 'browse-room-action' },
        joined ? 'Joined' : 'Join',
      ),
    );
    button.addEventListener('click', () => void this.choose(info.room, button));
    return h('li', {}, button);
  }

  private async choose(room: string, button: HTMLButtonElement): Promise<void> {
    if (this.busy) return;
    if (this.actions.isJoined(room)) {
      this.close();
      this.actions.open(room);
      return;
    }
    const generation = this.generation;
    this.busy = true;
    button.disabled = true;
    button.querySelector('.action')!.textContent = 'Joining…';
    this.setStatus(null);
    try {
      await this.actions.join(room);
      if (generation !== this.generation) return; // closed meanwhile: joined, but stay put
      this.close();
      this.actions.open(room);
    } catch (err) {
      if (generation !== this.generation) return;
      this.busy = false;
      button.disabled = false;
      button.querySelector('.action')!.textContent = 'Join';
      const code = errorCode(err);
      const text = `Could not join #${room}: ${describeError(err)}`;
      // The room is gone (or the list is stale): show the current list under the message.
      if (code === 'SB_ERR_ROOM_NOT_FOUND') void this.load({ text, code });
      else this.setStatus(text, code);
    }
  }

  private setStatus(text: string | null, code?: string): void {
    this.status.textContent = text ?? '';
    this.status.hidden = !text;
    if (code) this.status.dataset.code = code;
    else delete this.status.dataset.code;
  }
}
