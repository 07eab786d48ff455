/**
 * Message bodies as a Markdown subset (issue 8): **bold**, *italic*, `code`, fenced code
 * blocks, > quotes, lists, and links made from bare URLs. Parsed by markdown-it with raw HTML
 * off and every other rule (headings, tables, images, [text](url) links, entities) left out, so
 * `# x`, `![](…)` and `&lt;` stay as typed.
 *
 * markdown-it's HTML output is never used: its tokens become a small tree of allowed tags and
 * plain strings (parseMessage, pure and unit-tested), and only that tree becomes DOM nodes
 * (renderMessage), with every string a text node through bidiSafe. User text cannot reach
 * innerHTML because nothing here, or anywhere in the page, assigns it.
 */
import MarkdownIt, { type Token } from 'markdown-it';
import { mentionSpans } from '../protocol/mentions.js';
import { bidiSafe, h } from './dom.js';

/** The only tags a message body can contain. */
export type MdTag =
  'p' | 'strong' | 'em' | 'code' | 'pre' | 'blockquote' | 'ul' | 'ol' | 'li' | 'a';
export type MdNode = string | { tag: MdTag; attrs?: Record<string, string>; children: MdNode[] };

/** Link targets a message may have; anything else (javascript:, data:, file:, …) stays text. */
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);
/** Every link opens a new tab without handing it this page (window.opener) or our ranking. */
export const LINK_REL = 'noopener noreferrer nofollow';

const md = new MarkdownIt('zero', { html: false, linkify: true, breaks: true, maxNesting: 20 })
  .enable(['newline', 'escape', 'backticks', 'emphasis', 'autolink', 'linkify'])
  .enable(['fence', 'blockquote', 'list']);
// Only URLs with a scheme: fuzzy links would turn "README.md" (.md is a TLD) into a link.
md.linkify.set({ fuzzyLink: false, fuzzyEmail: true });
md.validateLink = (url) => safeHref(url) !== null;
// A link shows its URL exactly as typed: markdown-it would show punycode hosts decoded
// (xn--pple-43d.com as "аpple.com", Cyrillic а) and percent escapes decoded.
md.normalizeLinkText = (url) => url;

/** `href` when it parses as an absolute http, https or mailto URL, else null. */
export function safeHref(href: string): string | null {
  try {
    return SAFE_SCHEMES.has(new URL(href.trim()).protocol) ? href.trim() : null;
  } catch {
    return null;
  }
}

const BLOCK_OR_INLINE: Partial<Record<string, MdTag>> = {
  p: 'p',
  strong: 'strong',
  em: 'em',
  blockquote: 'blockquote',
  ul: 'ul',
  ol: 'ol',
  li: 'li',
};

interface Frame {
  /** Undefined: a transparent frame whose children go into the parent (tight-list paragraphs). */
  tag: MdTag | undefined;
  attrs?: Record<string, string>;
  children: MdNode[];
}

/** The message as a tree of allowed tags and strings. */
export function parseMessage(text: string): MdNode[] {
  const root: Frame = { tag: undefined, children: [] };
  walk(md.parse(text, {}), [root]);
  return root.children;
}

function walk(tokens: Token[], stack: Frame[]): void {
  for (const t of tokens) {
    const top = stack.at(-1)!;
    if (t.nesting === 1) stack.push(open(t));
    else if (t.nesting === -1) close(stack);
    else if (t.type === 'inline') walk(t.children ?? [], stack);
    else if (t.type === 'softbreak' || t.type === 'hardbreak') top.children.push('\n');
    else if (t.type === 'code_inline') top.children.push({ tag: 'code', children: [t.content] });
    else if (t.type === 'fence' || t.type === 'code_block')
      top.children.push({
        tag: 'pre',
        children: [{ tag: 'code', children: [t.content.replace(/\n$/, '')] }],
      });
    else if (t.content) top.children.push(t.content);
  }
}

function open(t: Token): Frame {
  if (t.type === 'link_open') {
    const href = safeHref(String(t.attrGet('href') ?? ''));
    return href
      ? { tag: 'a', attrs: { href, target: '_blank', rel: LINK_REL }, children: [] }
      : { tag: undefined, children: [] };
  }
  const tag = t.hidden ? undefined : BLOCK_OR_INLINE[t.tag];
  const start = String(t.attrGet('start') ?? '');
  const attrs = tag === 'ol' && /^\d{1,9}$/.test(start) ? { start } : undefined;
  return attrs ? { tag, attrs, children: [] } : { tag, children: [] };
}

function close(stack: Frame[]): void {
  const frame = stack.pop()!;
  const parent = stack.at(-1)!;
  if (frame.tag === undefined) parent.children.push(...frame.children);
  else
    parent.children.push(
      frame.attrs
        ? { tag: frame.tag, attrs: frame.attrs, children: frame.children }
        : { tag: frame.tag, children: frame.children },
    );
}

/**
 * The message body as DOM nodes (see parseMessage), for an element with dir="auto": its first
 * strong character sets the direction of the whole message. A one-paragraph message (most of
 * them) is its inline content, with no <p> around it. Code blocks read left to right.
 */
export function renderMessage(text: string, me = ''): DocumentFragment {
  const frag = document.createDocumentFragment();
  const nodes = parseMessage(text);
  const only = nodes.length === 1 ? nodes[0] : undefined;
  const inline = typeof only === 'object' && only.tag === 'p' ? only.children : nodes;
  for (const node of inline) frag.append(toDom(node, me, false));
  return frag;
}

/** Tags whose text is never a mention: code shows what was typed, a link is its URL. */
const LITERAL: ReadonlySet<MdTag> = new Set(['code', 'pre', 'a']);

function toDom(node: MdNode, me: string, literal: boolean): Node {
  if (typeof node === 'string') return literal ? bidiSafe(node) : withMentions(node, me);
  const el = h(node.tag, { ...node.attrs, dir: node.tag === 'pre' ? 'ltr' : undefined });
  const inner = literal || LITERAL.has(node.tag);
  for (const child of node.children) el.append(toDom(child, me, inner));
  return el;
}

/**
 * `text` with its mentions (src/protocol/mentions.ts) marked: `@me`, `@room` and `@here` stand
 * out more than a mention of someone else.
 */
function withMentions(text: string, me: string): Node {
  const spans = mentionSpans(text);
  if (spans.length === 0) return bidiSafe(text);
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const s of spans) {
    if (s.start > last) frag.append(bidiSafe(text.slice(last, s.start)));
    const mine = s.name === me || s.name === 'room' || s.name === 'here';
    frag.append(
      h(
        'span',
        {
          class: mine ? 'mention me' : 'mention',
          'data-testid': mine ? 'mention-me' : 'mention',
        },
        bidiSafe(text.slice(s.start, s.end)),
      ),
    );
    last = s.end;
  }
  if (last < text.length) frag.append(bidiSafe(text.slice(last)));
  return frag;
}
