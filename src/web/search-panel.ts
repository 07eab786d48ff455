/**
 * The search box and its results: a `role=search` form in the top bar and a list of hits under
 * it, newest first, a page at a time ("More results" sends the cursor back). Each hit shows its
 * channel, author and time and its text with the matched ranges in <mark>, built as DOM nodes
 * (dom.ts): no markup is ever made from user text. Choosing a hit opens its channel at that
 * message. Ctrl/Cmd+K, or "/" outside a text field, focuses the box; Escape closes the results.
 */
import type { SearchHit, SearchResult } from '../client/search.js';
import { highlightPieces } from '../client/search.js';
import { bidiSafe, byTestId, formatTime, h, userText } from './dom.js';

export interface SearchPanelActions {
  search(query: string, cursor?: string): Promise<SearchResult>;
  /** `#room` or `@user` for a hit's channel. */
  channelName(channel: string): string;
  /** Opens the hit's channel scrolled to its message. */
  open(hit: SearchHit): void;
  describe(err: unknown): string;
}

export class SearchPanel {
  private readonly form = byTestId<HTMLFormElement>('search-form');
  private readonly input = byTestId<HTMLInputElement>('search-input');
  private readonly panel = byTestId('search-results');
  private readonly status = byTestId('search-status');
  private readonly list = byTestId('search-hits');
  private readonly more = byTestId<HTMLButtonElement>('search-more');
  /** The query shown and the cursor of its next page. */
  private query = '';
  private cursor: string | undefined;
  /** Bumped per new search so a late page of an older query is dropped. */
  private generation = 0;

  constructor(private readonly actions: SearchPanelActions) {
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const query = this.input.value.trim();
      if (query) void this.run(query);
    });
    this.more.addEventListener('click', () => void this.page());
    byTestId('search-close').addEventListener('click', () => this.close(true));
    for (const el of [this.form, this.panel])
      el.addEventListener('keydown', (ev) => {
        if (ev.key === 'Escape' && !this.panel.hidden) {
          ev.preventDefault();
          this.close(true);
        }
      });
    document.addEventListener('keydown', (ev) => this.shortcut(ev));
  }

  /** Hides the results; `refocus`: puts the focus back in the box. */
  close(refocus = false): void {
    this.generation++;
    this.panel.hidden = true;
    if (refocus) this.input.focus();
  }

  private shortcut(ev: KeyboardEvent): void {
    const target = ev.target as HTMLElement | null;
    const typing =
      target instanceof HTMLInputElement ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement ||
      target?.isContentEditable === true;
    const modK = (ev.ctrlKey || ev.metaKey) && !ev.altKey && ev.key.toLowerCase() === 'k';
    const slash = ev.key === '/' && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey;
    // Not behind an open dialog, and not while the page shows no chat (the sign-in form).
    if (!(modK || slash) || this.form.closest('[hidden]') || document.querySelector('dialog[open]'))
      return;
    ev.preventDefault();
    this.input.focus();
    this.input.select();
  }

  private async run(query: string): Promise<void> {
    this.query = query;
    this.cursor = undefined;
    this.list.replaceChildren();
    this.panel.hidden = false;
    await this.page(++this.generation);
  }

  private async page(gen = this.generation): Promise<void> {
    this.more.hidden = true;
    this.more.disabled = true;
    this.panel.setAttribute('aria-busy', 'true');
    this.say('Searching…');
    try {
      const result = await this.actions.search(this.query, this.cursor);
      if (gen !== this.generation) return;
      this.list.append(...result.hits.map((hit) => this.renderHit(hit)));
      this.cursor = result.cursor;
      this.more.hidden = result.cursor === undefined;
      const count = this.list.childElementCount;
      this.say(
        count === 0
          ? 'No messages found.'
          : `${count} message${count === 1 ? '' : 's'} found${result.cursor ? ', more below' : ''}.`,
      );
    } catch (err) {
      if (gen === this.generation) this.say(this.actions.describe(err), true);
    } finally {
      if (gen === this.generation) {
        this.more.disabled = false;
        this.panel.setAttribute('aria-busy', 'false');
      }
    }
  }

  private say(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('form-error', error);
  }

  private renderHit(hit: SearchHit): HTMLElement {
    const text = h('span', { class: 'hit-text', 'data-testid': 'search-hit-text', dir: 'auto' });
    for (const piece of highlightPieces(hit))
      text.append(piece.marked ? h('mark', {}, bidiSafe(piece.text)) : bidiSafe(piece.text));
    const button = h(
      'button',
      {
        type: 'button',
        class: 'hit',
        'data-testid': 'search-hit',
        'data-channel': hit.channel,
        'data-seq': hit.seq,
      },
      h(
        'span',
        { class: 'meta' },
        userText(
          'span',
          { class: 'hit-channel', 'data-testid': 'search-hit-channel' },
          this.actions.channelName(hit.channel),
        ),
        userText('span', { class: 'from', 'data-testid': 'search-hit-from' }, hit.from),
        h('time', { datetime: new Date(hit.ts).toISOString() }, formatTime(hit.ts)),
      ),
      text,
    );
    button.addEventListener('click', () => {
      this.close();
      this.actions.open(hit);
    });
    return h('li', {}, button);
  }
}
