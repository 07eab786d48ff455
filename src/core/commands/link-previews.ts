/**
 * Link previews (off unless the server gives the core a `linkPreview` function): after a message
 * with an http(s) link is stored, its first link is fetched in the background and, when it has a
 * preview, a `previews` event is appended to the channel's log (from the message's author, cid
 * `preview:<seq>`) so every device gets it live and on resume, and history shows it on the
 * message. A failed fetch adds nothing; a message deleted meanwhile refuses the event. An edit
 * does not fetch again: a message has at most one preview, of the link it was sent with.
 */
import type { LinkPreview } from '../../protocol/link-preview.js';
import type { StoredMessage } from '../../store/store.js';
import type { CommandContext } from './context.js';
import { appendEntry } from './append-entry.js';

export type LinkPreviewer = (url: string) => Promise<LinkPreview | null>;

const LINK = /\bhttps?:\/\/[^\s<>"'`]+/i;

/** The first http(s) link of `text` (trailing punctuation left out), or null. */
export function firstLink(text: string): string | null {
  const match = LINK.exec(text);
  if (!match) return null;
  let raw = match[0];
  while (/[.,;:!?)\]}*_~]$/.test(raw)) {
    // A closing bracket that closes one opened inside the link is part of it (Wikipedia URLs).
    if (raw.endsWith(')') && raw.split('(').length > raw.split(')').length - 1) break;
    raw = raw.slice(0, -1);
  }
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Starts the preview of `m`'s first link, if any; never rejects. */
export function previewLater(
  ctx: CommandContext,
  m: StoredMessage,
  recipient: string | null,
): void {
  const fetch = ctx.linkPreview;
  const url = fetch ? firstLink(m.text) : null;
  if (!fetch || !url) return;
  void (async () => {
    const preview = await fetch(url);
    if (!preview) return;
    await ctx.directory.borrow(m.channel, (ch) =>
      appendEntry(
        ctx,
        null,
        ch,
        {
          channel: m.channel,
          cid: `preview:${m.seq}`,
          from: m.from,
          text: '',
          ts: ctx.now(),
          previews: m.seq,
          preview,
        },
        recipient,
      ),
    );
  })().catch(() => {
    // Deleted meanwhile (SB_ERR_MESSAGE_NOT_FOUND) or the store is down: no preview.
  });
}
