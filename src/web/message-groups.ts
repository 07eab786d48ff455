/**
 * How the message list is decorated between messages: a day separator ("Today", "Yesterday",
 * a date) before the first message of each local day, consecutive messages of one author within
 * GROUP_MS shown as a group (no repeated name and avatar), and a generated avatar per handle.
 */
import type { ChatMessage } from '../protocol/frames.js';
import { h } from './dom.js';

/** Messages of one author closer than this (and on the same day) share one header. */
export const GROUP_MS = 5 * 60_000;

function dayStart(ts: number): number {
  const d = new Date(ts);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Whether two timestamps fall on the same local calendar day. */
export function sameDay(a: number, b: number): boolean {
  return dayStart(a) === dayStart(b);
}

/** "Today", "Yesterday", or the date ("Monday, March 3", with the year when not this year). */
export function dayLabel(ts: number, now = Date.now()): string {
  if (sameDay(ts, now)) return 'Today';
  const yesterday = new Date(dayStart(now));
  yesterday.setDate(yesterday.getDate() - 1);
  if (sameDay(ts, yesterday.getTime())) return 'Yesterday';
  const thisYear = new Date(ts).getFullYear() === new Date(now).getFullYear();
  return new Date(ts).toLocaleDateString([], {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    year: thisYear ? undefined : 'numeric',
  });
}

/** Whether `msg` continues `prev`'s group: same author, same day, within GROUP_MS. */
export function continues(prev: ChatMessage | undefined, msg: ChatMessage): boolean {
  return (
    prev !== undefined &&
    prev.from === msg.from &&
    msg.ts - prev.ts >= 0 &&
    msg.ts - prev.ts < GROUP_MS &&
    sameDay(prev.ts, msg.ts)
  );
}

/** Number of avatar colours in style.css (.avatar-0 …), each with white text at 4.5:1 or more. */
const AVATAR_COLOURS = 8;

/** Initials and a colour index derived from the handle alone, so every page agrees. */
export function avatarOf(handle: string): { initials: string; colour: number } {
  const parts = handle.split(/[-_.\s]+/).filter(Boolean);
  const first = (s: string | undefined) => Array.from(s ?? '')[0] ?? '';
  const initials = parts.length > 1 ? first(parts[0]) + first(parts[1]) : first(parts[0] ?? handle);
  let hash = 0x811c9dc5; // FNV-1a
  for (const ch of handle) hash = Math.imul(hash ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  return { initials: (initials || '?').toUpperCase(), colour: hash % AVATAR_COLOURS };
}

/** A decorative avatar: the name beside it says who it is, so screen readers skip it. */
export function avatar(handle: string): HTMLElement {
  const { initials, colour } = avatarOf(handle);
  return h(
    'span',
    { class: `avatar avatar-${colour}`, 'aria-hidden': 'true', 'data-testid': 'avatar' },
    initials,
  );
}

/** Milliseconds from `now` to the next local midnight, when "Today" becomes "Yesterday". */
export function msToNextDay(now = Date.now()): number {
  const next = new Date(dayStart(now));
  next.setDate(next.getDate() + 1);
  return next.getTime() - now;
}

/** Gives a day separator the label of its day as seen at `now`. */
export function relabelDay(separator: HTMLElement, now = Date.now()): void {
  const label = separator.firstElementChild;
  if (label) label.textContent = dayLabel(Number(separator.dataset.day), now);
}

/** The separator list item shown before the first message of a day. */
export function daySeparator(ts: number): HTMLElement {
  return h(
    'li',
    { class: 'day-sep', 'data-testid': 'day-separator', 'data-day': dayStart(ts) },
    h('span', {}, dayLabel(ts)),
  );
}
