/**
 * The message list of the open channel: messages kept sorted by seq with no duplicates, so
 * history pages, live messages and resume replays can arrive in any order and interleave.
 * History gives messages in their current state (edited text, tombstones, reactions); the SDK's
 * 'edit', 'delete' and 'reaction' events change a shown message through the SDK's message model
 * (src/client/message-model.ts). A deleted message shows as a tombstone at its place; a delete
 * that arrives before its message (a replay) is remembered until the message comes.
 */
import { mentionsMe } from '../client/channel-book.js';
import {
  withDelete,
  withEdit,
  withPreview,
  withReaction,
  withThreadMessage,
  withoutThreadMessage,
} from '../client/message-model.js';
import type { EditEvent, PreviewEvent, ReactionEvent } from '../client/types.js';
import type { ChatMessage } from '../protocol/frames.js';
import { formatTime, h, userText } from './dom.js';
import { previewCard } from './link-preview-card.js';
import { renderMessage } from './markdown.js';
import { attachmentList, type LinkSource } from './attachments.js';
import {
  avatar,
  continues,
  daySeparator,
  msToNextDay,
  relabelDay,
  sameDay,
} from './message-groups.js';

export interface HistoryPage {
  messages: ChatMessage[];
  firstSeq: number;
  hasMore: boolean;
}

export type LoadHistory = (
  channel: string,
  options: { before?: number; after?: number; limit?: number },
) => Promise<HistoryPage>;

const PAGE = 50;
/** Messages shown on each side of one opened at a seq (a search hit): half a page. */
const CONTEXT = 25;
/** How long a message opened at stays marked. */
const FOUND_MS = 2_000;
/** `before` for "the newest page": above any seq the store can assign. */
const NEWEST = Number.MAX_SAFE_INTEGER;

export class MessageView {
  private channel: string | null = null;
  /** Bumped on every channel switch so late history replies for another channel are dropped. */
  private generation = 0;
  private seqs: number[] = [];
  private readonly items = new Map<number, HTMLElement>();
  /** Deleted seqs of the open channel and who deleted each. */
  private readonly deleted = new Map<number, string>();
  private readonly messages = new Map<number, ChatMessage>();
  /** The day separator shown before a message, by the message's seq (see message-groups.ts). */
  private readonly separators = new Map<number, HTMLElement>();
  /** Shown when messages arrive while the reader is scrolled up; scrolls to the newest. */
  private readonly jump = h(
    'button',
    { type: 'button', class: 'jump-latest', 'data-testid': 'jump-latest', hidden: true },
    'Jump to latest ↓',
  );
  private hasOlder = false;
  private loadingOlder = false;
  /**
   * True while the list ends before the channel's newest message (opened at an older seq): live
   * messages wait, since they would leave a gap, and scrolling down loads the next page.
   */
  private hasNewer = false;
  private loadingNewer = false;
  /** Unread counts of the followed threads of the open channel, by root seq. */
  private readonly threadUnread = new Map<number, number>();
  /** Thread-only messages of the open channel seen live, by seq, and their root. */
  private readonly threadOf = new Map<number, number>();
  /** The message a search hit opened at, marked for a moment. */
  private foundSeq: number | undefined;
  /**
   * The reader's read position when the channel was opened: a "New messages" line goes before
   * the first later message of someone else, and stays until another channel is opened.
   */
  private readAtOpen: number | undefined;
  private unreadLine: HTMLElement | null = null;
  private readonly newerButton: HTMLButtonElement;
  /** Called when scrolling down showed newer messages (the reader may have read more). */
  onNewerShown: () => void = () => {};

  /** The seq of `user`'s newest loaded message in the open channel that is not deleted; 0: none. */
  latestFrom(user: string): number {
    let seq = 0;
    for (const m of this.messages.values())
      if (m.from === user && !m.deleted && !this.deleted.has(m.seq) && m.seq > seq) seq = m.seq;
    return seq;
  }

  constructor(
    private readonly scroller: HTMLElement,
    private readonly list: HTMLElement,
    private readonly olderButton: HTMLButtonElement,
    private readonly empty: HTMLElement,
    private readonly load: LoadHistory,
    private readonly me: () => string,
    private readonly onError: (err: unknown) => void,
    /** Opens the actions menu of a message, below `at` or at a point. */
    private readonly onMenu: (msg: ChatMessage, at: HTMLElement | { x: number; y: number }) => void,
    /** Adds (`on`) or takes back my reaction `emoji` on a message. */
    private readonly onReact: (msg: ChatMessage, emoji: string, on: boolean) => void = () => {},
    /** Signed links of attached files. */
    private readonly links: LinkSource = () => Promise.reject(new Error('no files here')),
    /** Opens the thread under root `seq` of the open channel. */
    private readonly onThread: (channel: string, root: number) => void = () => {},
  ) {
    olderButton.addEventListener('click', () => void this.loadOlder());
    // Past midnight "Today" is "Yesterday": the shown separators follow the clock.
    const relabel = (): void => {
      for (const sep of this.separators.values()) relabelDay(sep);
      setTimeout(relabel, msToNextDay() + 1_000);
    };
    setTimeout(relabel, msToNextDay() + 1_000);
    this.newerButton = h(
      'button',
      { type: 'button', class: 'older newer', 'data-testid': 'load-newer', hidden: true },
      'Load newer messages',
    );
    list.after(this.newerButton);
    this.newerButton.addEventListener('click', () => void this.loadNewer());
    scroller.addEventListener('scroll', () => {
      if (scroller.scrollTop < 40) void this.loadOlder();
      else if (this.isNearBottom()) void this.loadNewer();
      if (this.isNearBottom()) this.jump.hidden = true;
    });
    // Opened at an older message (a search hit), the newest is not loaded yet: open at it.
    this.jump.addEventListener('click', () => {
      if (this.hasNewer && this.channel) void this.open(this.channel);
      else this.scrollToBottom();
    });
    scroller.append(this.jump);
  }

  get current(): string | null {
    return this.channel;
  }

  /** My newest shown message that is not deleted (for Up-arrow editing), if any. */
  lastOwn(): ChatMessage | undefined {
    for (let i = this.seqs.length - 1; i >= 0; i--) {
      const msg = this.messages.get(this.seqs[i]!);
      if (msg && msg.from === this.me() && !msg.deleted && !this.deleted.has(msg.seq)) return msg;
    }
    return undefined;
  }

  /** Whether the list reaches the channel's newest message (not opened at an older one). */
  get reachesNewest(): boolean {
    return !this.hasNewer;
  }

  get newestSeq(): number {
    return this.seqs.at(-1) ?? 0;
  }

  /**
   * Shows `channel`: clears the list and loads its newest page; with `at`, the messages around
   * seq `at` instead, scrolled to it and marked for a moment (a search hit). `at` already shown
   * in the open channel is just scrolled to. With `readSeq` (the reader's read position), a
   * "New messages" line marks the first unread message and the view opens at it.
   */
  async open(channel: string, at?: number, readSeq?: number): Promise<void> {
    if (at !== undefined && channel === this.channel && this.items.has(at)) {
      this.reveal(at);
      return;
    }
    this.channel = channel;
    const gen = ++this.generation;
    this.seqs = [];
    this.items.clear();
    this.deleted.clear();
    this.messages.clear();
    this.separators.clear();
    this.readAtOpen = at === undefined ? readSeq : undefined;
    this.unreadLine = null;
    this.threadUnread.clear();
    this.threadOf.clear();
    this.jump.hidden = true;
    this.list.replaceChildren();
    this.setOlder(false);
    this.setNewer(at !== undefined);
    this.scroller.setAttribute('aria-busy', 'true');
    try {
      const before = at === undefined ? NEWEST : at + CONTEXT + 1;
      const page = await this.load(channel, { before, limit: PAGE });
      if (gen !== this.generation) return;
      this.insertAll(page.messages);
      this.setOlder(this.olderExists(page));
      const line = at === undefined ? this.drawUnreadLine() : null;
      // Opened at the line, the unread messages below it read from the top.
      if (line) line.scrollIntoView({ block: 'start' });
      else if (at === undefined) this.scrollToBottom();
      else {
        // The rest of the context below it, and whether the list now reaches the newest.
        await this.loadNewer();
        if (gen === this.generation) this.reveal(at);
      }
    } catch (err) {
      if (gen === this.generation) this.onError(err);
    } finally {
      if (gen === this.generation) {
        this.scroller.setAttribute('aria-busy', 'false');
        this.updateEmpty();
      }
    }
  }

  /** Loads whatever is newer than the newest shown message (after a reconnect, a gap). */
  async catchUp(): Promise<void> {
    const channel = this.channel;
    if (!channel || this.hasNewer) return;
    const gen = this.generation;
    for (let guard = 0; guard < 100; guard++) {
      const page = await this.load(channel, { after: this.newestSeq, limit: 200 });
      if (gen !== this.generation) return;
      this.insertAll(page.messages);
      if (!page.hasMore || page.messages.length === 0) break;
    }
  }

  /** Scroll-back: prepends the page before the oldest shown message, keeping the view still. */
  async loadOlder(): Promise<void> {
    const channel = this.channel;
    if (!channel || !this.hasOlder || this.loadingOlder) return;
    this.loadingOlder = true;
    const gen = this.generation;
    const oldest = this.seqs[0] ?? NEWEST;
    try {
      const page = await this.load(channel, { before: oldest, limit: PAGE });
      if (gen !== this.generation) return;
      const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
      this.insertAll(page.messages);
      this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
      this.setOlder(this.olderExists(page));
    } catch (err) {
      if (gen === this.generation) this.onError(err);
    } finally {
      this.loadingOlder = false;
    }
  }

  /**
   * A live message: shown when it belongs to the open channel. Returns whether it was shown.
   * While older messages are shown (hasNewer) it waits for scrolling down, unless it is my own:
   * then the channel opens at its newest, where what I sent is.
   */
  add(msg: ChatMessage): boolean {
    if (msg.channel !== this.channel) return false;
    // A new thread message counts on its root; one not sent to the room is shown only by the
    // thread panel.
    if (msg.thread !== undefined && !this.threadOf.has(msg.seq) && !this.items.has(msg.seq)) {
      this.threadOf.set(msg.seq, msg.thread);
      this.change(msg.thread, (m) => withThreadMessage(m, msg));
    }
    if (msg.thread !== undefined && !msg.alsoToRoom) return true;
    if (this.hasNewer && msg.seq > this.newestSeq) {
      if (msg.from === this.me()) void this.open(msg.channel);
      else this.jump.hidden = false;
      return true;
    }
    const atBottom = this.isNearBottom();
    const added = this.insert(msg);
    if (added) {
      this.updateEmpty();
      if (atBottom || msg.from === this.me()) this.scrollToBottom();
      else this.jump.hidden = false;
    }
    return true;
  }

  /** The next page after the newest shown message, while the list does not reach the newest. */
  async loadNewer(): Promise<void> {
    const channel = this.channel;
    if (!channel || !this.hasNewer || this.loadingNewer) return;
    this.loadingNewer = true;
    const gen = this.generation;
    try {
      const page = await this.load(channel, { after: this.newestSeq, limit: PAGE });
      if (gen !== this.generation) return;
      this.insertAll(page.messages);
      this.setNewer(page.hasMore && page.messages.length > 0);
      this.onNewerShown();
    } catch (err) {
      if (gen === this.generation) this.onError(err);
    } finally {
      this.loadingNewer = false;
    }
  }

  /**
   * Puts the "New messages" line before the first message after the read position at opening
   * that someone else wrote, when the message before it is shown too (else the true first
   * unread may be older than the page). Returns the line, or null when there is none.
   */
  private drawUnreadLine(): HTMLElement | null {
    const after = this.readAtOpen;
    if (after === undefined) return null;
    const index = this.seqs.findIndex(
      (seq) => seq > after && this.messages.get(seq)?.from !== this.me(),
    );
    const seq = this.seqs[index];
    if (seq === undefined || (index === 0 && this.hasOlder)) return null;
    const line = h(
      'li',
      { class: 'unread-line', 'data-testid': 'new-messages-line', 'data-seq': seq },
      h('span', {}, 'New messages'),
    );
    this.items.get(seq)!.before(line);
    this.unreadLine = line;
    this.decorate(index);
    return line;
  }

  /** Scrolls message `seq` into the middle of the view, focuses it and marks it for a moment. */
  private reveal(seq: number): void {
    const el = this.items.get(seq);
    if (!el) return;
    el.setAttribute('tabindex', '-1');
    el.classList.add('found');
    el.scrollIntoView({ block: 'center' });
    el.focus({ preventScroll: true });
    // Kept by seq, so a re-render meanwhile (an edit, a reaction) keeps the mark.
    this.foundSeq = seq;
    setTimeout(() => {
      if (this.foundSeq !== seq) return;
      this.foundSeq = undefined;
      this.items.get(seq)?.classList.remove('found');
    }, FOUND_MS);
  }

  /** A message of the open channel was deleted: its tombstone replaces it (now or when it loads). */
  markDeleted(channel: string, seq: number, by: string): void {
    if (channel !== this.channel || this.deleted.has(seq)) return;
    this.deleted.set(seq, by);
    const root = this.threadOf.get(seq) ?? this.messages.get(seq)?.thread;
    if (root !== undefined) this.change(root, (m) => withoutThreadMessage(m));
    this.change(seq, (m) => withDelete(m));
  }

  /** My unread count in a followed thread of the open channel changed: its root shows it. */
  setThreadUnread(channel: string, root: number, unread: number): void {
    if (channel !== this.channel || this.threadUnread.get(root) === unread) return;
    this.threadUnread.set(root, unread);
    this.change(root, (m) => m);
  }

  /** A message of the open channel was edited. */
  applyEdit(e: EditEvent): void {
    if (e.channel === this.channel) this.change(e.seq, (m) => withEdit(m, e));
  }

  /** A message of the open channel got the preview of its first link. */
  applyPreview(e: PreviewEvent): void {
    if (e.channel === this.channel) this.change(e.seq, (m) => withPreview(m, e));
  }

  /** A reaction on a message of the open channel was added or taken back. */
  applyReaction(e: ReactionEvent): void {
    if (e.channel === this.channel) this.change(e.seq, (m) => withReaction(m, e, this.me()));
  }

  /** Replaces a shown message by what `next` makes of it, and its element with the new one. */
  private change(seq: number, next: (m: ChatMessage) => ChatMessage): void {
    const msg = this.messages.get(seq);
    const el = this.items.get(seq);
    if (!msg || !el) return;
    const changed = next(msg);
    this.messages.set(seq, changed);
    const fresh = this.render(changed);
    el.replaceWith(fresh);
    this.items.set(seq, fresh);
    this.decorate(this.seqs.indexOf(seq));
  }

  private insertAll(messages: ChatMessage[]): void {
    for (const m of messages) {
      if (m.channel !== this.channel) continue;
      if (m.deletes === undefined) this.insert(m);
      else this.markDeleted(m.channel, m.deletes, m.from);
    }
    this.updateEmpty();
  }

  /** Inserts in seq order; a seq already shown is ignored. */
  private insert(msg: ChatMessage): boolean {
    if (this.items.has(msg.seq)) return false;
    const el = this.render(msg);
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid]! < msg.seq) lo = mid + 1;
      else hi = mid;
    }
    const next = this.seqs[lo];
    this.list.insertBefore(el, next === undefined ? null : this.topOf(next));
    this.seqs.splice(lo, 0, msg.seq);
    this.items.set(msg.seq, el);
    this.messages.set(msg.seq, msg);
    this.decorate(lo);
    this.decorate(lo + 1);
    return true;
  }

  /**
   * Groups the message at `index` with the one before it, or not, and gives it a day separator
   * when it starts a day. Called for a new message and the one after it, whose neighbour changed.
   */
  private decorate(index: number): void {
    const seq = this.seqs[index];
    const el = seq === undefined ? undefined : this.items.get(seq);
    const msg = seq === undefined ? undefined : this.messages.get(seq);
    if (seq === undefined || !el || !msg) return;
    const prevSeq = this.seqs[index - 1];
    const prev = prevSeq === undefined ? undefined : this.messages.get(prevSeq);
    const firstUnread = this.unreadLine?.dataset.seq === String(seq);
    el.classList.toggle('grouped', continues(prev, msg) && !firstUnread);
    const startsDay = !prev || !sameDay(prev.ts, msg.ts);
    const separator = this.separators.get(seq);
    if (startsDay && !separator) {
      const created = daySeparator(msg.ts);
      (firstUnread ? this.unreadLine! : el).before(created);
      this.separators.set(seq, created);
    } else if (!startsDay && separator) {
      separator.remove();
      this.separators.delete(seq);
    }
  }

  /** The first element shown for message `seq`: its day separator, the unread line, or itself. */
  private topOf(seq: number): HTMLElement | null {
    if (this.unreadLine?.dataset.seq === String(seq) && !this.separators.has(seq))
      return this.unreadLine;
    return this.separators.get(seq) ?? this.items.get(seq) ?? null;
  }

  private render(msg: ChatMessage): HTMLElement {
    const mine = msg.from === this.me();
    // A tombstone from history says no more than that it was deleted.
    const by = this.deleted.get(msg.seq) ?? (msg.deleted ? '' : undefined);
    const meta = h(
      'div',
      { class: 'meta' },
      avatar(msg.from),
      userText('span', { class: 'from', 'data-testid': 'message-from' }, msg.from),
      h('time', { datetime: new Date(msg.ts).toISOString() }, formatTime(msg.ts)),
    );
    const attrs = {
      class: `msg${mine ? ' mine' : ''}${by === undefined ? '' : ' deleted'}${msg.seq === this.foundSeq ? ' found' : ''}`,
      'data-testid': 'message',
      'data-seq': msg.seq,
      'data-from': msg.from,
      'data-deleted': by === undefined ? undefined : 'true',
    };
    if (by !== undefined) {
      const note =
        by === msg.from || by === '' ? 'message deleted' : 'message deleted by a moderator';
      return h('li', attrs, meta, h('div', { class: 'text', 'data-testid': 'tombstone' }, note));
    }
    const more = h(
      'button',
      {
        type: 'button',
        class: 'more',
        'data-testid': 'message-menu',
        'aria-haspopup': 'menu',
        'aria-expanded': 'false',
        'aria-label': `Actions for the message from ${msg.from}`,
      },
      '⋯',
    );
    more.addEventListener('click', () => this.onMenu(msg, more));
    if (msg.edited !== undefined)
      meta.append(
        h(
          'span',
          {
            class: 'edited',
            'data-testid': 'message-edited',
            title: new Date(msg.edited).toString(),
          },
          '(edited)',
        ),
      );
    meta.append(more);
    const li = h(
      'li',
      attrs,
      meta,
      ...(msg.replyTo === undefined ? [] : [this.quote(msg.replyTo)]),
      h(
        'div',
        { class: 'text', 'data-testid': 'message-text', dir: 'auto' },
        renderMessage(msg.text, this.me()),
      ),
    );
    if (mentionsMe(msg, this.me())) li.classList.add('mentions-me');
    if (msg.preview) li.append(previewCard(msg.preview));
    if (msg.attachments?.length) li.append(attachmentList(msg.attachments, this.links));
    if (msg.reactions?.length) li.append(this.reactionRow(msg));
    if (msg.replies !== undefined && msg.thread === undefined) li.append(this.threadSummary(msg));
    if (msg.thread !== undefined)
      meta.insertBefore(h('span', { class: 'in-thread' }, '(in a thread)'), more);
    li.addEventListener('contextmenu', (ev) => {
      ev.preventDefault();
      this.onMenu(msg, { x: ev.clientX, y: ev.clientY });
    });
    return li;
  }

  /**
   * The message a reply answers, quoted above it as it is now (edited, or deleted) when it is
   * loaded; otherwise a pointer to it. A click shows it in context.
   */
  private quote(seq: number): HTMLElement {
    const parent = this.messages.get(seq);
    const gone = parent?.deleted === true || this.deleted.has(seq);
    const excerpt = !parent
      ? 'an earlier message'
      : gone
        ? 'a deleted message'
        : `${parent.from}: ${parent.text.length > 120 ? `${parent.text.slice(0, 120)}…` : parent.text}`;
    const b = userText(
      'button',
      {
        type: 'button',
        class: 'quote',
        'data-testid': 'reply-quote',
        'data-reply-to': seq,
        dir: 'auto',
      },
      `↪ ${excerpt}`,
    );
    b.addEventListener('click', () => {
      if (this.channel) void this.open(this.channel, seq);
    });
    return b;
  }

  /** "N replies · last reply 14:05" and my unread count there; a click opens the thread. */
  private threadSummary(msg: ChatMessage): HTMLElement {
    const n = msg.replies ?? 0;
    const last = msg.lastReply === undefined ? '' : ` · last reply ${formatTime(msg.lastReply)}`;
    const unread = this.threadUnread.get(msg.seq) ?? 0;
    const b = h(
      'button',
      {
        type: 'button',
        class: 'thread-summary',
        'data-testid': 'thread-summary',
        'data-replies': n,
      },
      `${n} ${n === 1 ? 'reply' : 'replies'}${last}`,
      unread > 0
        ? h(
            'span',
            { class: 'badge', 'data-testid': 'thread-unread', 'aria-label': `${unread} unread` },
            unread > 99 ? '99+' : String(unread),
          )
        : null,
    );
    b.addEventListener('click', () => this.onThread(msg.channel, msg.seq));
    return b;
  }

  /** One toggle button per reaction: the emoji and its count, pressed when I reacted so. */
  private reactionRow(msg: ChatMessage): HTMLElement {
    return h(
      'div',
      { class: 'reactions', 'data-testid': 'reactions' },
      ...(msg.reactions ?? []).map((r) => {
        const who = r.users.join(', ') + (r.count > r.users.length ? ' and others' : '');
        const b = h(
          'button',
          {
            type: 'button',
            class: 'reaction',
            'data-testid': 'reaction',
            'data-emoji': r.emoji,
            'aria-pressed': r.me ? 'true' : 'false',
            'aria-label': `${r.emoji} ${r.count}: ${who}`,
            title: who,
          },
          `${r.emoji} ${r.count}`,
        );
        b.addEventListener('click', () => this.onReact(msg, r.emoji, !r.me));
        return b;
      }),
    );
  }

  private olderExists(page: HistoryPage): boolean {
    const oldest = this.seqs[0];
    return page.hasMore || (oldest !== undefined && oldest > Math.max(1, page.firstSeq));
  }

  private setOlder(value: boolean): void {
    this.hasOlder = value;
    this.olderButton.hidden = !value;
  }

  private setNewer(value: boolean): void {
    this.hasNewer = value;
    this.newerButton.hidden = !value;
  }

  private updateEmpty(): void {
    this.empty.hidden = this.seqs.length > 0 || this.scroller.getAttribute('aria-busy') === 'true';
  }

  private isNearBottom(): boolean {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  scrollToBottom(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.jump.hidden = true;
  }
}
