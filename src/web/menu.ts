/**
 * A context menu (WAI-ARIA menu pattern): role=menu with menuitems, opened from a right click or
 * a "⋯" button; arrow keys, Home and End move, Enter or a click runs an item, Escape or Tab or a
 * click elsewhere closes it and focus returns to where it was. One menu at a time.
 */
import { h } from './dom.js';

export interface MenuItem {
  label: string;
  testId: string;
  run(): void;
  /** Shown as a destructive act. */
  danger?: boolean;
}

let current: {
  el: HTMLElement;
  /** Where focus goes back to. */
  back: HTMLElement | null;
  /** The "⋯" button that opened it (aria-expanded while open). */
  trigger: HTMLElement | null;
  off: () => void;
} | null = null;

export function closeMenu(restoreFocus = true): void {
  const open = current;
  if (!open) return;
  current = null;
  open.off();
  open.el.remove();
  open.trigger?.setAttribute('aria-expanded', 'false');
  if (restoreFocus) open.back?.focus();
}

/** Opens `items` below `at` (an element) or at a point (a right click); `label` names the menu. */
export function openMenu(
  items: readonly MenuItem[],
  at: HTMLElement | { x: number; y: number },
  label: string,
): void {
  closeMenu(false);
  if (items.length === 0) return;
  const buttons = items.map((item) => {
    const b = h(
      'button',
      {
        type: 'button',
        role: 'menuitem',
        tabindex: -1,
        class: item.danger ? 'danger' : undefined,
        'data-testid': item.testId,
      },
      item.label,
    );
    b.addEventListener('click', () => {
      closeMenu();
      item.run();
    });
    return b;
  });
  const el = h(
    'ul',
    { role: 'menu', 'aria-label': label, class: 'ctx-menu', 'data-testid': 'context-menu' },
    ...buttons.map((b) => h('li', { role: 'none' }, b)),
  );
  const back =
    at instanceof HTMLElement
      ? at
      : document.activeElement instanceof HTMLElement
        ? document.activeElement
        : null;
  document.body.append(el);
  place(el, at);
  if (at instanceof HTMLElement) at.setAttribute('aria-expanded', 'true');

  const onKey = (ev: KeyboardEvent): void => {
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const move = (to: number) => buttons[(to + buttons.length) % buttons.length]!.focus();
    if (ev.key === 'ArrowDown') move(i + 1);
    else if (ev.key === 'ArrowUp') move(i - 1);
    else if (ev.key === 'Home') move(0);
    else if (ev.key === 'End') move(buttons.length - 1);
    else if (ev.key === 'Escape') closeMenu();
    else if (ev.key === 'Tab') return closeMenu(false);
    else return;
    ev.preventDefault();
    ev.stopPropagation();
  };
  const onPointer = (ev: Event): void => {
    if (!el.contains(ev.target as Node)) closeMenu(false);
  };
  el.addEventListener('keydown', onKey);
  document.addEventListener('pointerdown', onPointer, true);
  window.addEventListener('resize', onPointer);
  current = {
    el,
    back,
    trigger: at instanceof HTMLElement ? at : null,
    off: () => {
      document.removeEventListener('pointerdown', onPointer, true);
      window.removeEventListener('resize', onPointer);
    },
  };
  buttons[0]!.focus();
}

function place(el: HTMLElement, at: HTMLElement | { x: number; y: number }): void {
  let x: number;
  let y: number;
  if (at instanceof HTMLElement) {
    const r = at.getBoundingClientRect();
    x = r.right - el.offsetWidth;
    y = r.bottom + 4;
  } else ({ x, y } = at);
  const maxX = window.innerWidth - el.offsetWidth - 8;
  const maxY = window.innerHeight - el.offsetHeight - 8;
  el.style.left = `${Math.max(8, Math.min(x, maxX))}px`;
  el.style.top = `${Math.max(8, Math.min(y, maxY))}px`;
}
