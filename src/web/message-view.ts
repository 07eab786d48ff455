/**
 * The message list of the open channel: messages kept sorted by seq with no duplicates, so
 * history pages, live messages and resume replays can arrive in any order and interleave.
 */
import type { ChatMessage } from '../protocol/frames.js';
import { formatTime, h, userText } from './dom.js';

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
/** `before` for "the newest page": above any seq the store can assign. */
const NEWEST = Number.MAX_SAFE_INTEGER;

export class MessageView {
  private channel: string | null = null;
  /** Bumped on every channel switch so late history replies for another channel are dropped. */
  private generation = 0;
  private seqs: number[] = [];
  private readonly items = new Map<number, HTMLElement>();
  private hasOlder = false;
  private loadingOlder = false;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly list: HTMLElement,
    private readonly olderButton: HTMLButtonElement,
    private readonly empty: HTMLElement,
    private readonly load: LoadHistory,
    private readonly me: () => string,
    private readonly onError: (err: unknown) => void,
  ) {
    olderButton.addEventListener('click', () => void this.loadOlder());
    scroller.addEventListener('scroll', () => {
      if (scroller.scrollTop < 40) void this.loadOlder();
    });
  }

  get current(): string | null {
    return this.channel;
  }

  get newestSeq(): number {
    return this.seqs.at(-1) ?? 0;
  }

  /** Shows `channel`: clears the list and loads its newest page. */
  async open(channel: string): Promise<void> {
    this.channel = channel;
    const gen = ++this.generation;
    this.seqs = [];
    this.items.clear();
    this.list.replaceChildren();
    this.setOlder(false);
    this.scroller.setAttribute('aria-busy', 'true');
    try {
      const page = await this.load(channel, { before: NEWEST, limit: PAGE });
      if (gen !== this.generation) return;
      this.insertAll(page.messages);
      this.setOlder(this.olderExists(page));
      this.scrollToBottom();
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
    if (!channel) return;
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

  /** A live message: shown when it belongs to the open channel. Returns whether it was shown. */
  add(msg: ChatMessage): boolean {
    if (msg.channel !== this.channel) return false;
    const atBottom = this.isNearBottom();
    const added = this.insert(msg);
    if (added) {
      this.updateEmpty();
      if (atBottom || msg.from === this.me()) this.scrollToBottom();
    }
    return true;
  }

  private insertAll(messages: ChatMessage[]): void {
    for (const m of messages) if (m.channel === this.channel) this.insert(m);
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
    this.list.insertBefore(el, next === undefined ? null : (this.items.get(next) ?? null));
    this.seqs.splice(lo, 0, msg.seq);
    this.items.set(msg.seq, el);
    return true;
  }

  private render(msg: ChatMessage): HTMLElement {
    const mine = msg.from === this.me();
    return h(
      'li',
      {
        class: mine ? 'msg mine' : 'msg',
        'data-testid': 'message',
        'data-seq': msg.seq,
        'data-from': msg.from,
      },
      h(
        'div',
        { class: 'meta' },
        userText('span', { class: 'from', 'data-testid': 'message-from' }, msg.from),
        h('time', { datetime: new Date(msg.ts).toISOString() }, formatTime(msg.ts)),
      ),
      userText('div', { class: 'text', 'data-testid': 'message-text' }, msg.text),
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

  private updateEmpty(): void {
    this.empty.hidden = this.seqs.length > 0 || this.scroller.getAttribute('aria-busy') === 'true';
  }

  private isNearBottom(): boolean {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  scrollToBottom(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }
}
