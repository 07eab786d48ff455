/** Longest kept file name, in characters (the extension is kept when cutting). */
export const MAX_FILE_NAME = 200;

/**
 * A client's file name made safe to store and show: only the last path segment (`../../etc/passwd`
 * is `passwd`, `C:\\x\\y.txt` is `y.txt`), no control or bidi-override characters, no leading
 * dots, at most MAX_FILE_NAME characters (the extension kept); `file` when nothing is left.
 */
export function sanitizeFileName(raw: string): string {
  const base = raw.normalize('NFC').split(/[/\\]/).pop() ?? '';
  let name = base
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '')
    .replace(/^[\s.]+/, '')
    .trim();
  const chars = [...name];
  if (chars.length > MAX_FILE_NAME) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? [...name.slice(dot)] : [];
    name = [...chars.slice(0, MAX_FILE_NAME - ext.length), ...ext].join('');
  }
  return name === '' ? 'file' : name;
}
