/**
 * A link preview from a page's HTML: Open Graph (`og:title`, `og:description`, `og:site_name`,
 * `og:image`), else `<title>` and `<meta name="description">`. Parsed by htmlparser2's streaming
 * tokenizer (forgiving, no DOM built); only the head matters, so parsing stops at `<body>`.
 * Fields are whitespace-collapsed and cut to PREVIEW_LIMITS; URLs are http(s) only.
 */
import { Parser } from 'htmlparser2';
import { PREVIEW_LIMITS, type LinkPreview } from '../protocol/link-preview.js';

const clean = (text: string | undefined, max: number): string | undefined => {
  const t = text?.replace(/\s+/g, ' ').trim();
  if (!t) return undefined;
  return [...t].length > max ? [...t].slice(0, max - 1).join('') + '…' : t;
};

/** `href` resolved against `base`, when it is an http(s) URL within the length limit. */
export function httpUrl(href: string | undefined, base: string): string | undefined {
  if (!href) return undefined;
  try {
    const u = new URL(href.trim(), base);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.href.length <= PREVIEW_LIMITS.url)
      return u.href;
  } catch {}
  return undefined;
}

/** The preview of the page at `url` whose HTML is `html`; null when it has no title at all. */
export function parsePreview(html: string, url: string): LinkPreview | null {
  const meta = new Map<string, string>();
  let title = '';
  let inTitle = false;
  let done = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'body') done = true;
        if (done) return;
        if (name === 'title') inTitle = true;
        if (name !== 'meta') return;
        const key = (attrs.property ?? attrs.name ?? '').toLowerCase();
        if (key && attrs.content !== undefined && !meta.has(key)) meta.set(key, attrs.content);
      },
      ontext(text) {
        if (inTitle && !done) title += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
      },
    },
    { decodeEntities: true },
  );
  // Fed in slices so a page without <body> is still read only as far as needed.
  for (let i = 0; i < html.length && !done; i += 8192) parser.write(html.slice(i, i + 8192));
  parser.end();
  const preview: LinkPreview = { url };
  const t = clean(meta.get('og:title') ?? title, PREVIEW_LIMITS.title);
  if (!t) return null;
  preview.title = t;
  const description = clean(
    meta.get('og:description') ?? meta.get('description'),
    PREVIEW_LIMITS.description,
  );
  if (description) preview.description = description;
  const siteName = clean(meta.get('og:site_name'), PREVIEW_LIMITS.siteName);
  if (siteName) preview.siteName = siteName;
  const image = httpUrl(meta.get('og:image'), url);
  if (image) preview.image = image;
  return preview;
}
