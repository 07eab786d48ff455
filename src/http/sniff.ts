/**
 * The type of an upload, from its first bytes only (the client's Content-Type and name are never
 * asked): file-type's magic numbers first, then a look at text for markup. HTML (and XHTML) is
 * refused: a page is never kept. SVG is kept as `image/svg+xml` and, like every type outside
 * SAFE_INLINE_TYPES, only ever served as an attachment in a sandbox.
 */
import { fileTypeFromBuffer } from 'file-type';
import { SwitchboardError } from '../errors.js';

/** How many leading bytes the sniffing reads (file-type needs 4100 for some formats). */
export const SNIFF_BYTES = 4100;

/** Types a browser may show inline: raster images with no script in them. SVG is not one. */
export const SAFE_INLINE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
]);

const HTML_RE = /<(!doctype\s+html|html|head|body|script|iframe|frameset)[\s>/]/;
const SVG_RE = /^<svg[\s>/]/;
/** What may come before a document's first element: space, `<?xml …?>`, comments, a doctype. */
const PROLOG_RE = /^(\s|<\?xml[^>]*>|<!--[\s\S]*?-->|<!doctype\s+svg[^>]*>)*/;

export async function sniffType(head: Uint8Array): Promise<string> {
  const found = await fileTypeFromBuffer(head);
  if (found && found.mime !== 'application/xml') return found.mime;
  const text = new TextDecoder('utf-8', { fatal: false })
    .decode(head.subarray(0, 1024))
    .replace(/^\uFEFF/, '')
    .toLowerCase();
  // The first element decides: an SVG document may hold <script>, a page may hold <svg>.
  const first = text.replace(PROLOG_RE, '');
  if (SVG_RE.test(first)) return 'image/svg+xml';
  if (HTML_RE.test(text)) throw new SwitchboardError('SB_ERR_UPLOAD_TYPE', 'HTML is not accepted');
  if (found) return found.mime;
  return isText(head) ? 'text/plain' : 'application/octet-stream';
}

function isText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  try {
    // A cut multi-byte character at the end of the sample is fine.
    new TextDecoder('utf-8', { fatal: true }).decode(
      head.subarray(0, Math.max(0, head.length - 4)),
    );
  } catch {
    return false;
  }
  return !head.some((b) => b === 0);
}
