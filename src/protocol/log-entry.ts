/**
 * What kind of entry of a channel's log a `message` frame is. Free of zod, so the client SDK and
 * the page can import it.
 */

/**
 * Whether a log entry is a message, not an event on another one (a delete, edit, reaction or
 * link preview).
 */
export const isMessageEntry = (
  m: Partial<Record<'deletes' | 'edits' | 'reacts' | 'unreacts' | 'previews', number>>,
): boolean =>
  m.deletes === undefined &&
  m.edits === undefined &&
  m.reacts === undefined &&
  m.unreacts === undefined &&
  m.previews === undefined;
