/**
 * Mentions in message text, shared by the server (which decides whom a message mentions), the
 * SDK, the page and the terminal client (which highlight them). Imports nothing, like
 * channels.ts, so the browser bundle takes it without the schemas.
 *
 * A mention is `@` followed by a handle (src/protocol/channels.ts HANDLE_RE, matched without
 * regard to case), where the `@` starts the text or follows a character that cannot be part of a
 * handle (so `ann@example.com` mentions nobody). Trailing `.` and `-` belong to the sentence, not
 * the handle (`thanks @bob.`). `@room` (every member) and `@here` (the members online) are the
 * mentions of everyone; handles `room` and `here` cannot be mentioned by name. Nothing in code
 * (`inline` or fenced) is a mention.
 */

/** `@room`: every member of the channel; `@here`: the members online now. */
export type MentionAll = 'room' | 'here';

/** Distinct mentions one message may carry (handles plus @room/@here); more: SB_ERR_MENTION_LIMIT. */
export const MAX_MENTIONS = 20;

export interface ParsedMentions {
  /** Distinct handles, lower-cased, in order of first appearance. */
  handles: string[];
  /** `@room` wins over `@here` when both occur; null: neither. */
  all: MentionAll | null;
}

/** One mention in a text: where it is (UTF-16 offsets of the `@` and the end) and what it names. */
export interface MentionSpan {
  start: number;
  end: number;
  /** The handle lower-cased, or `room` / `here`. */
  name: string;
}

const MENTION_RE = /(^|[^a-z0-9_.@-])@([a-z0-9_][a-z0-9_.-]{0,31})/gi;

/** Code (fenced blocks, `inline`) shows what was typed: an `@` in it mentions nobody. */
const CODE_RE = /```[\s\S]*?(?:```|$)|`[^`\n]*`/g;

/** Every mention in `text` outside code, in order. */
export function mentionSpans(text: string): MentionSpan[] {
  const spans: MentionSpan[] = [];
  const prose = text.replace(CODE_RE, (code) => ' '.repeat(code.length));
  for (const m of prose.matchAll(MENTION_RE)) {
    const name = m[2]!.replace(/[.-]+$/, '').toLowerCase();
    if (name === '') continue;
    const start = m.index + m[1]!.length;
    spans.push({ start, end: start + 1 + name.length, name });
  }
  return spans;
}

/** The distinct mentions of a text. */
export function parseMentions(text: string): ParsedMentions {
  const handles: string[] = [];
  let all: MentionAll | null = null;
  for (const { name } of mentionSpans(text)) {
    if (name === 'room') all = 'room';
    else if (name === 'here') all ??= 'here';
    else if (!handles.includes(name)) handles.push(name);
  }
  return { handles, all };
}
