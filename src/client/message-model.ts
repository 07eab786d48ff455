/**
 * The message model: what a message shown to a user becomes as the events of its channel's log
 * arrive. `history` gives messages in their current state (edited text, tombstones, reactions
 * with `me`, link previews); the client's 'edit', 'delete', 'reaction' and 'preview' events are applied to them with these
 * functions, so the page, the terminal client and applications agree on the result. Each returns
 * a new message and leaves its argument alone; a reaction event changes counts exactly, since
 * the server appends one only when it changes something.
 */
import type { ChatMessage } from '../protocol/frames.js';
import type { SwitchboardClient } from './client.js';
import type { DeleteEvent, EditEvent, PreviewEvent, ReactionEvent } from './types.js';

export type Reaction = NonNullable<ChatMessage['reactions']>[number];

/** How many names a reaction lists (the server's history gives the first three). */
export const REACTION_NAMES = 3;

/** The message with its edit applied: the new text, edited at the event's time. */
export function withEdit(m: ChatMessage, e: EditEvent): ChatMessage {
  if (m.deleted) return m;
  return { ...m, text: e.text, edited: e.ts };
}

/** The message with the preview of its first link (kept through edits; none once deleted). */
export function withPreview(m: ChatMessage, e: PreviewEvent): ChatMessage {
  if (m.deleted) return m;
  return { ...m, preview: e.preview };
}

/** The message as a tombstone: no text, no reactions, no edit mark, no preview. */
export function withDelete(m: ChatMessage, _e?: DeleteEvent): ChatMessage {
  const { reactions: _r, edited: _ed, preview: _p, attachments: _a, ...rest } = m;
  return { ...rest, text: '', deleted: true };
}

/** The message with one reaction added or taken back; `me` is the viewer (for `me`). */
export function withReaction(m: ChatMessage, e: ReactionEvent, me: string | null): ChatMessage {
  if (m.deleted) return m;
  const list = (m.reactions ?? []).map((r) => ({ ...r, users: [...r.users] }));
  let r = list.find((x) => x.emoji === e.emoji);
  if (e.on) {
    if (!r) list.push((r = { emoji: e.emoji, count: 0, me: false, users: [] }));
    r.count++;
    if (e.user === me) r.me = true;
    if (r.users.length < REACTION_NAMES && !r.users.includes(e.user)) r.users.push(e.user);
  } else if (r) {
    r.count--;
    if (e.user === me) r.me = false;
    r.users = r.users.filter((u) => u !== e.user);
  }
  const reactions = list.filter((x) => x.count > 0);
  const { reactions: _old, ...rest } = m;
  return reactions.length > 0 ? { ...rest, reactions } : rest;
}

/**
 * A thread root with one more live message in its thread (`m`, arriving live or by resume):
 * `replies` counts it and `lastReply` is its time. Apply it once per thread message.
 */
export function withThreadMessage(root: ChatMessage, m: ChatMessage): ChatMessage {
  if (m.thread !== root.seq) return root;
  return {
    ...root,
    replies: (root.replies ?? 0) + 1,
    lastReply: Math.max(root.lastReply ?? 0, m.ts),
  };
}

/**
 * A thread root with one of its thread messages deleted: one reply fewer (`lastReply` stays,
 * the next history page corrects it).
 */
export function withoutThreadMessage(root: ChatMessage): ChatMessage {
  const replies = (root.replies ?? 0) - 1;
  if (replies > 0) return { ...root, replies };
  const { replies: _r, lastReply: _l, ...rest } = root;
  return rest;
}

export { followThread, followedThreads, markThreadRead, unfollowThread } from './threads.js';
export type { ThreadInfo } from './threads.js';

let serial = 0;
/** A client id for one change: unique per page load, so a retry of the same call is one change. */
const changeId = (kind: string): string =>
  `${kind}-${Date.now().toString(36)}-${(serial++).toString(36)}`;

/** Edits my message `seq` of `channel`; resolves the edit event the server stored. */
export async function editMessage(
  client: SwitchboardClient,
  channel: string,
  seq: number,
  text: string,
): Promise<ChatMessage> {
  const frame = { type: 'edit' as const, channel, seq, text, cid: changeId('edit') };
  return (await client.command<{ message: ChatMessage }>(frame)).message;
}

/**
 * Reacts to message `seq` of `channel` with `emoji`, or takes the reaction back (`on` false).
 * SB_ERR_REACTION_EXISTS / SB_ERR_REACTION_NOT_FOUND: it was so already (another device).
 */
export async function react(
  client: SwitchboardClient,
  channel: string,
  seq: number,
  emoji: string,
  on = true,
): Promise<ChatMessage> {
  const frame = { type: 'react' as const, channel, seq, emoji, on, cid: changeId('react') };
  return (await client.command<{ message: ChatMessage }>(frame)).message;
}
