/**
 * What the open room says about itself above and below its messages: its topic (user text, so
 * text nodes only), an "archived" badge, a read-only composer while it is archived, and a
 * "Room settings" menu (edit the topic, archive, unarchive) for the roles the server's
 * permission table allows it (mirrored by switchboard/client/moderation; the server decides).
 * Drawn from the channel's state, which the SDK keeps live from `room` events.
 */
import type { SwitchboardClient } from '../client/index.js';
import * as mod from '../client/moderation.js';
import type { RoomKind, RoomRole } from '../protocol/frames.js';
import { ask } from './ask-dialog.js';
import type { ChannelInfo } from './channels.js';
import { byTestId, setUserText } from './dom.js';
import { openMenu, type MenuItem } from './menu.js';

/** MAX_TOPIC_CHARS of protocol/frames.ts (not imported: the page bundle stays free of zod). */
const TOPIC_MAX = 250;
export const ARCHIVED_HINT = 'This room is archived; it is read-only.';

export interface RoomHeaderDeps {
  client(): SwitchboardClient | null;
  /** The viewer's role and the room's kind, as the member list last read them. */
  role(): RoomRole | null;
  kind(): RoomKind;
  error(err: unknown): void;
  notice(text: string): void;
}

export class RoomHeader {
  private readonly topic = byTestId('channel-topic');
  private readonly badge = byTestId('archived-badge');
  private readonly settings = byTestId<HTMLButtonElement>('room-settings');
  private readonly note = byTestId('composer-archived');
  private readonly composer = byTestId<HTMLFormElement>('composer');
  private readonly controls = [
    byTestId<HTMLTextAreaElement>('composer-input'),
    byTestId<HTMLButtonElement>('send'),
    byTestId<HTMLButtonElement>('attach'),
  ];
  private info: ChannelInfo | null = null;

  constructor(private readonly deps: RoomHeaderDeps) {
    this.settings.addEventListener('click', () => {
      const items = this.items();
      if (items.length > 0) openMenu(items, this.settings, 'Room settings');
    });
  }

  /** Draws the open channel (null or a DM: no topic, no badge, the composer open). */
  show(info: ChannelInfo | null | undefined): void {
    this.info = info?.kind === 'room' ? info : null;
    const topic = this.info?.topic ?? '';
    setUserText(this.topic, topic);
    this.topic.title = topic;
    this.topic.hidden = topic === '';
    const archived = this.info?.archived === true;
    this.badge.hidden = !archived;
    this.composer.classList.toggle('archived', archived);
    for (const el of this.controls) el.disabled = archived;
    this.note.hidden = !archived;
    this.note.textContent = archived ? ARCHIVED_HINT : '';
    this.settings.hidden = this.items().length === 0;
  }

  /** What the viewer may change here, by the permission table's mirror. */
  private items(): MenuItem[] {
    const info = this.info;
    if (!info) return [];
    const may = (c: mod.ModerationCommand) => mod.allowed(c, this.deps.kind(), this.deps.role());
    const items: MenuItem[] = [];
    if (may('room-settings'))
      items.push({ label: 'Edit topic…', testId: 'edit-topic', run: () => void this.editTopic() });
    if (info.archived && may('unarchive'))
      items.push({
        label: 'Unarchive',
        testId: 'unarchive-room',
        run: () => void this.archive(false),
      });
    else if (!info.archived && may('archive'))
      items.push({
        label: 'Archive (read-only)',
        testId: 'archive-room',
        danger: true,
        run: () => void this.archive(true),
      });
    return items;
  }

  private async editTopic(): Promise<void> {
    const c = this.deps.client();
    const info = this.info;
    if (!c || !info) return;
    const answer = await ask({
      title: `Topic of #${info.name}`,
      text: { label: 'Topic (empty: none)', maxLength: TOPIC_MAX, value: info.topic ?? '' },
      ok: 'Save',
    });
    if (!answer) return;
    // The header changes when the room event comes back, the same on every member's page.
    try {
      await mod.roomSettings(c, info.name, { topic: answer.text });
    } catch (err) {
      this.deps.error(err);
    }
  }

  private async archive(archived: boolean): Promise<void> {
    const c = this.deps.client();
    const info = this.info;
    if (!c || !info) return;
    try {
      await mod.setArchived(c, info.name, archived);
      this.deps.notice(archived ? `#${info.name} is archived.` : `#${info.name} is open again.`);
    } catch (err) {
      this.deps.error(err);
    }
  }
}
