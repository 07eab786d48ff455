/**
 * Events on an earlier message of a channel, appended to its log like a message (see
 * src/store/message-store.ts LogEvent): `edit` (your own message, within --edit-window) and
 * `react` (one emoji, on or off). Both answer like `send`; the store refuses an event on a
 * message deleted meanwhile, and a reaction that changes nothing, with their codes.
 */
import { SwitchboardError } from '../../errors.js';
import { dmPeer, parseChannel } from '../../protocol/frames.js';
import type { StoredMessage } from '../../store/store.js';
import type { ClientConnection } from '../connection.js';
import type { RoomCommand } from '../permissions.js';
import { checkText, liveMessage, readableChannel } from './access.js';
import type { CommandContext, Handler } from './context.js';
import { authorizeRoom, type RoomGrant } from './room-access.js';
import { appendEntry } from './append-entry.js';
import { notifyMentions, resolveMentions } from './mentions.js';

export interface Target {
  /** The message, as stored now. */
  message: StoredMessage;
  /** A room's grant (null for a DM). */
  grant: RoomGrant | null;
  /** The other person of a DM (null for a room): the event reaches both. */
  recipient: string | null;
}

/**
 * Message `seq` of `channel` for a command on it: the channel must be readable, a room must allow
 * `command` (the permission table), and `seq` must be a message (not an event) the user may see
 * that is not deleted; SB_ERR_MESSAGE_NOT_FOUND otherwise.
 */
export async function targetMessage(
  ctx: CommandContext,
  conn: ClientConnection,
  channel: string,
  seq: number,
  command: RoomCommand,
): Promise<Target> {
  const user = conn.user!;
  const parsed = parseChannel(channel);
  let grant: RoomGrant | null = null;
  let floor = 0;
  if (parsed?.kind === 'room') grant = await authorizeRoom(ctx, conn, command, parsed.room);
  else floor = (await readableChannel(ctx, conn, channel, 'history')).floor;
  const m = await liveMessage(ctx, channel, seq, floor);
  const recipient = parsed?.kind === 'dm' ? dmPeer(parsed.users, user) : null;
  return { message: m, grant, recipient };
}

export const edit: Handler<'edit'> = async (ctx, conn, f) => {
  const user = conn.user!;
  checkText(ctx, f.text);
  const { message, recipient, grant } = await targetMessage(ctx, conn, f.channel, f.seq, 'edit');
  if (message.from !== user) throw new SwitchboardError('SB_ERR_FORBIDDEN', 'only your own');
  const window = ctx.limits.editWindow;
  if (window > 0 && ctx.now() - message.ts > window * 1000)
    throw new SwitchboardError('SB_ERR_EDIT_WINDOW_CLOSED');
  const mentions = await resolveMentions(ctx, user, f.channel, f.text, grant);
  const reply = await ctx.directory.borrow(f.channel, (ch) =>
    appendEntry(
      ctx,
      conn,
      ch,
      {
        channel: f.channel,
        cid: f.cid,
        from: user,
        text: f.text,
        ts: ctx.now(),
        edits: f.seq,
        ...mentions,
      },
      recipient,
    ),
  );
  // Those the edit adds hear of it; those it drops find the message no longer mentions them.
  if (!reply.duplicate) notifyMentions(ctx, reply.message, f.seq, message);
  return reply;
};

export const react: Handler<'react'> = async (ctx, conn, f) => {
  const emoji = oneEmoji(f.emoji);
  const { recipient } = await targetMessage(ctx, conn, f.channel, f.seq, 'react');
  const on = f.on ?? true;
  return ctx.directory.borrow(f.channel, (ch) =>
    appendEntry(
      ctx,
      conn,
      ch,
      {
        channel: f.channel,
        cid: f.cid,
        from: conn.user!,
        text: '',
        ts: ctx.now(),
        emoji,
        ...(on ? { reacts: f.seq } : { unreacts: f.seq }),
      },
      recipient,
    ),
  );
};

// One RGI emoji sequence (Unicode TS #51): flags, keycaps, skin tones and ZWJ sequences
// included. Built at run time: the `v` flag is newer than this project's TypeScript target.
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
const VS16 = '\uFE0F';

/**
 * `text` as one fully-qualified emoji (a bare text-style one such as U+2764 gets its VS16),
 * or SB_ERR_REACTION_INVALID.
 */
export function oneEmoji(text: string): string {
  if (RGI_EMOJI.test(text)) return text;
  if (!text.endsWith(VS16) && RGI_EMOJI.test(text + VS16)) return text + VS16;
  throw new SwitchboardError('SB_ERR_REACTION_INVALID');
}
