/**
 * Display names: Unicode allowed, separate from handles. Policy (docs/auth.md#display-names):
 * NFC, trimmed, 1-64 code points, no control, format (bidi overrides, zero-width but the emoji
 * joiner U+200D), private-use or unassigned
 * characters. A name whose confusable skeleton equals the skeleton of another account's handle
 * (or that is, case-folded, the handle of a guest, a connected user or a JWT/webhook user: see
 * AccountService.rename) is refused with SB_ERR_NAME_CONFUSABLE; one's own handle is always allowed.
 */
import { SwitchboardError } from '../errors.js';

export const NAME_MAX_CHARS = 64;

/** Letters that look like Latin ones (a small, common subset of Unicode's confusables.txt). */
const LOOKALIKES: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  '0': 'o',
  '1': 'l',
  i: 'l',
  '|': 'l',
};

/**
 * What a string looks like: compatibility-folded (NFKC: full-width and styled letters), case
 * and accents dropped, look-alike letters mapped to Latin, separators and `rn`/`vv` folded.
 */
export function skeleton(text: string): string {
  const folded = text.normalize('NFKC').toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
  return [...folded]
    .map((ch) => LOOKALIKES[ch] ?? ch)
    .join('')
    .replace(/[\s_.-]/gu, '')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w');
}

/** The name as stored, or throws SB_ERR_NAME_INVALID. */
export function normalizeName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  const chars = [...name].length;
  if (chars < 1 || chars > NAME_MAX_CHARS || /(?!\u200d)\p{C}/u.test(name)) {
    throw new SwitchboardError('SB_ERR_NAME_INVALID');
  }
  return name;
}

/** Throws SB_ERR_NAME_CONFUSABLE when `name` looks like a handle in `handles` other than `own`. */
export function checkConfusable(name: string, own: string, handles: Iterable<string>): void {
  const shape = skeleton(name);
  for (const handle of handles) {
    if (handle !== own && skeleton(handle) === shape) {
      throw new SwitchboardError(
        'SB_ERR_NAME_CONFUSABLE',
        `display name looks like the handle of another user`,
      );
    }
  }
}
