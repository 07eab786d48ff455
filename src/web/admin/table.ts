/** A plain table of rows for the console's views: a caption, headers, and cells of nodes. */
import { h } from '../dom.js';

type Cell = Node | string | number | boolean | null;

export function table(
  caption: string,
  headers: string[],
  rows: Cell[][],
  testid: string,
): HTMLTableElement {
  const cell = (c: Cell) => (c instanceof Node ? c : c === null ? '' : String(c));
  return h(
    'table',
    { 'data-testid': testid },
    h('caption', { class: 'muted' }, caption),
    h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { scope: 'col' }, x)))),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h('tr', { 'data-testid': `${testid}-row` }, ...r.map((c) => h('td', {}, cell(c)))),
      ),
    ),
  );
}

export function button(
  label: string,
  testid: string,
  onClick: () => void,
  secondary = true,
): HTMLButtonElement {
  const b = h(
    'button',
    { type: 'button', class: secondary ? 'secondary' : undefined, 'data-testid': testid },
    label,
  );
  b.addEventListener('click', onClick);
  return b;
}
