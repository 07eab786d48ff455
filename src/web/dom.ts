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

/** An unread badge, or nothing when there is nothing unread. */
export function badge(count: number): HTMLElement | null {
  if (count <= 0) return null;
  return h('span', { class: 'badge', 'data-testid': 'unread' }, count > 99 ? '99+' : String(count));
}

/** "14:05", or "Mar 3 14:05" for an older day. */
export function formatTime(ts: number): string {
  const d = new Date(ts);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (new Date().toDateString() === d.toDateString()) return time;
  return `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}
