/**
 * `@` autocomplete in the composer (WAI-ARIA combobox with a listbox popup): typing `@` and the
 * start of a handle lists the matching members of the open room (or the DM's other person),
 * and `@room` / `@here` in rooms. Arrow keys move, Enter or Tab take the highlighted one,
 * Escape closes the list; a click takes one too. The textarea keeps the focus throughout
 * (aria-activedescendant names the highlighted option).
 */
import { h } from './dom.js';

/** The mention being typed: `@` and handle characters right before the caret. */
const TYPING = /(^|[^a-z0-9_.@-])@([a-z0-9_.-]{0,32})$/i;
const MAX_OPTIONS = 8;

export class MentionComplete {
  private options: string[] = [];
  private active = 0;
  /** Where the `@` of the mention being typed is. */
  private at = -1;

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly list: HTMLElement,
    /** Who may be mentioned here, and whether `@room` / `@here` are offered. */
    private readonly candidates: () => { users: string[]; everyone: boolean },
    /** After a mention was put in the text (the composer refits). */
    private readonly changed: () => void,
  ) {
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', list.id);
    input.setAttribute('aria-expanded', 'false');
    input.addEventListener('input', () => this.update());
    input.addEventListener('click', () => this.update());
    input.addEventListener('blur', () => this.close());
    // Capture on the form: before the composer's own Enter-sends handler on the textarea.
    input.form?.addEventListener('keydown', (ev) => this.key(ev), true);
  }

  get isOpen(): boolean {
    return this.options.length > 0;
  }

  /** Lists what matches the mention before the caret, or closes. */
  update(): void {
    const before = this.input.value.slice(0, this.input.selectionStart ?? 0);
    const m = TYPING.exec(before);
    if (!m || this.input.selectionStart !== this.input.selectionEnd) return this.close();
    const query = m[2]!.toLowerCase();
    const { users, everyone } = this.candidates();
    const names = [...users, ...(everyone ? ['room', 'here'] : [])];
    const options = names.filter((n) => n.startsWith(query) && n !== query).slice(0, MAX_OPTIONS);
    if (options.length === 0) return this.close();
    this.at = before.length - m[2]!.length - 1;
    this.options = options;
    this.active = Math.min(this.active, options.length - 1);
    this.render();
  }

  close(): void {
    if (!this.isOpen && this.list.hidden) return;
    this.options = [];
    this.active = 0;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }

  private key(ev: KeyboardEvent): void {
    if (ev.target !== this.input || !this.isOpen || ev.isComposing) return;
    const n = this.options.length;
    if (ev.key === 'ArrowDown') this.move((this.active + 1) % n);
    else if (ev.key === 'ArrowUp') this.move((this.active - 1 + n) % n);
    else if (ev.key === 'Enter' || ev.key === 'Tab') this.accept(this.options[this.active]!);
    else if (ev.key === 'Escape') this.close();
    else return;
    ev.preventDefault();
    ev.stopPropagation();
  }

  private move(i: number): void {
    this.active = i;
    this.render();
  }

  private accept(name: string): void {
    const caret = this.input.selectionStart ?? this.input.value.length;
    const value = this.input.value;
    const inserted = `@${name} `;
    this.input.value = value.slice(0, this.at) + inserted + value.slice(caret);
    const pos = this.at + inserted.length;
    this.input.setSelectionRange(pos, pos);
    this.close();
    this.changed();
  }

  private render(): void {
    const id = (i: number) => `${this.list.id}-${i}`;
    this.list.replaceChildren(
      ...this.options.map((name, i) => {
        const li = h(
          'li',
          {
            id: id(i),
            role: 'option',
            class: i === this.active ? 'active' : undefined,
            'aria-selected': i === this.active ? 'true' : 'false',
            'data-testid': 'mention-option',
            'data-name': name,
          },
          `@${name}`,
          name === 'room' || name === 'here'
            ? h(
                'span',
                { class: 'hint' },
                name === 'room' ? ' everyone in the room' : ' everyone online',
              )
            : null,
        );
        // mousedown, not click: the textarea must not lose the focus (blur closes the list).
        li.addEventListener('mousedown', (ev) => {
          ev.preventDefault();
          this.accept(name);
        });
        return li;
      }),
    );
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.input.setAttribute('aria-activedescendant', id(this.active));
  }
}
