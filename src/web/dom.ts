/**
 * Tiny DOM helpers. User-supplied strings only ever become text nodes (textContent), never
 * markup: nothing in the page assigns innerHTML.
 */
type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

/** Creates an element; string children become text nodes, `class` and `data-*` are attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

/**
 * Explicit bidi formatting characters: embeddings, overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069). Invisible, they reorder what follows, so `invoice_\u202Eexe.pdf` would show as
 * "invoice_fdp.exe" (the Trojan Source trick, CVE-2021-42574). The marks LRM, RLM and ALM stay:
 * right-to-left writers use them, and they cannot reverse a run of text.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/**
 * User text as nodes that cannot reorder the page: each bidi control becomes a visible marker
 * ("U+202E"), the rest plain text nodes. Put it in an element with dir="auto" (see userText).
 */
export function bidiSafe(text: string): Node {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(BIDI_CONTROLS)) {
    if (m.index > last) frag.append(text.slice(last, m.index));
    const code = `U+${m[0].codePointAt(0)!.toString(16).toUpperCase()}`;
    frag.append(h('span', { class: 'bidi-ctl', 'data-testid': 'bidi-control', title: code }, code));
    last = m.index + m[0].length;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

/** An element holding user text (message, name, room): dir="auto" and bidi controls neutralised. */
export function userText<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs,
  text: string,
): HTMLElementTagNameMap[K] {
  return h(tag, { ...attrs, dir: 'auto' }, bidiSafe(text));
}

/** Replaces the content of `el` with user text, as userText does. */
export function setUserText(el: HTMLElement, text: string): void {
  el.dir = 'auto';
  el.replaceChildren(bidiSafe(text));
}

/** The element with this data-testid; throws when the page markup lacks it. */
export function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`missing element [data-testid="${id}"]`);
  return el;
}

/** Replaces all children of `parent` with `children`. */
export function replaceChildren(parent: Element, children: Node[]): void {
  parent.replaceChildren(...children);
}

/** One row of a list kept by `keyedList`: its key, and the element it should look like now. */
export interface ListRow {
  key: string;
  /** A fresh element for the row; only its attributes and children are used after the first. */
  make: () => HTMLElement;
  /** Called when the row's element is clicked (the listener is added once, on the kept element). */
  onClick?: () => void;
}

/** A kept row: its element and the markup it was last given. */
interface KeptRow {
  el: HTMLElement;
  look: string;
}

const kept = new WeakMap<Element, Map<string, KeptRow>>();

/**
 * Sets the rows of `list` (each an `li` holding the element `make` returns), keeping the element
 * of a key from one call to the next: a row whose look changed gets the new attributes and
 * children in place, rows are moved only when out of order, and nothing else is touched. A list
 * rebuilt on every presence or unread change (replaceChildren) swapped the button under a pointer
 * between its mousedown and its mouseup, and the browser then fires no click: the user's click
 * on a room was lost.
 */
export function keyedList(list: HTMLElement, rows: readonly ListRow[]): void {
  let byKey = kept.get(list);
  if (!byKey) kept.set(list, (byKey = new Map<string, KeptRow>()));
  const wanted = new Set(rows.map((r) => r.key));
  for (const [key, row] of byKey) {
    if (!wanted.has(key)) {
      row.el.parentElement?.remove();
      byKey.delete(key);
    }
  }
  rows.forEach((r, i) => {
    const fresh = r.make();
    const look = fresh.outerHTML;
    let row = byKey.get(r.key);
    if (!row) {
      row = { el: fresh, look };
      byKey.set(r.key, row);
      if (r.onClick) fresh.addEventListener('click', r.onClick);
      h('li', {}, fresh);
    } else if (row.look !== look) {
      for (const a of Array.from(row.el.attributes))
        if (!fresh.hasAttribute(a.name)) row.el.removeAttribute(a.name);
      for (const a of Array.from(fresh.attributes)) row.el.setAttribute(a.name, a.value);
      row.el.replaceChildren(...Array.from(fresh.childNodes));
      row.look = look;
    }
    const li = row.el.parentElement!;
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null);
  });
  // Anything else in the list (a hint shown while it was empty) goes.
  while (list.children.length > rows.length) list.lastElementChild!.remove();
}

/** An unread badge, or nothing when there is nothing unread. */
export function badge(count: number): HTMLElement | null {
  if (count <= 0) return null;
  return h('span', { class: 'badge', 'data-testid': 'unread' }, count > 99 ? '99+' : String(count));
}

/** A mention badge ("@2"), distinct from the unread count, or nothing without mentions. */
export function mentionBadge(count: number): HTMLElement | null {
  if (count <= 0) return null;
  const n = count > 99 ? '99+' : String(count);
  return h(
    'span',
    {
      class: 'badge mention-badge',
      'data-testid': 'mention-count',
      title: `${n} mention${count === 1 ? '' : 's'} of you`,
      'aria-label': `${n} mention${count === 1 ? '' : 's'}`,
    },
    `@${n}`,
  );
}

/** "14:05", or "Mar 3 14:05" for an older day. */
export function formatTime(ts: number): string {
  const d = new Date(ts);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (new Date().toDateString() === d.toDateString()) return time;
  return `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}
