/**
 * The actions menu of a message: React (an emoji), Edit (your own), Delete (your own, or anyone's
 * in a room where your role may delete others' messages, mirrored from the server's table) and
 * Report (someone else's, with an optional reason), and for moderators every version of an
 * edited room message. The server still decides; a refusal is shown
 * in words.
 */
import type { SwitchboardClient } from '../client/index.js';
import { editMessage, react } from '../client/message-model.js';
import * as mod from '../client/moderation.js';
import type { ChatMessage, RoomKind, RoomRole } from '../protocol/frames.js';
import { ask } from './ask-dialog.js';
import type { MenuItem } from './menu.js';
import { showVersions } from './versions-dialog.js';

export interface MessageActionContext {
  me: string;
  /** The open room's kind and the viewer's role in it (null: unknown, or a DM). */
  kind: RoomKind;
  role: RoomRole | null;
  error(err: unknown): void;
  notice(text: string): void;
  /** Answer this message: the composer quotes it until sent or cancelled. */
  reply(msg: ChatMessage): void;
  /** Open the thread under root `seq` of the message's channel. */
  thread(channel: string, root: number): void;
}

export function messageActions(
  c: SwitchboardClient,
  msg: ChatMessage,
  ctx: MessageActionContext,
): MenuItem[] {
  const items: MenuItem[] = [];
  const own = msg.from === ctx.me;
  const room = msg.channel.startsWith('room:');
  if (msg.deleted) return items;
  items.push({ label: 'Reply', testId: 'action-reply', run: () => ctx.reply(msg) });
  items.push({
    label: 'Reply in thread',
    testId: 'action-thread',
    run: () => ctx.thread(msg.channel, msg.thread ?? msg.seq),
  });
  items.push({
    label: 'Add reaction…',
    testId: 'action-react',
    run: () => void pickReaction(c, msg, ctx),
  });
  if (own)
    items.push({
      label: 'Edit message…',
      testId: 'action-edit',
      run: () => void editDialog(c, msg, ctx),
    });
  if (own || (room && mod.allowed('delete', ctx.kind, ctx.role)))
    items.push({
      label: 'Delete message',
      testId: 'action-delete',
      danger: true,
      run: () => void confirmDelete(c, msg, ctx, own),
    });
  if (msg.edited !== undefined && room && mod.allowed('versions', ctx.kind, ctx.role))
    items.push({
      label: 'Show every version…',
      testId: 'action-versions',
      run: () => void showVersions(c, msg).catch((e: unknown) => ctx.error(e)),
    });
  if (!own)
    items.push({
      label: 'Report…',
      testId: 'action-report',
      run: () => void report(c, msg, ctx),
    });
  return items;
}

async function report(c: SwitchboardClient, msg: ChatMessage, ctx: MessageActionContext) {
  const a = await ask({
    title: `Report the message from ${msg.from}`,
    text: { label: 'Reason (optional)' },
    ok: 'Report',
  });
  if (!a) return;
  try {
    await mod.report(c, msg.channel, msg.seq, a.text || undefined);
    ctx.notice(
      msg.channel.startsWith('room:')
        ? 'Reported to the room’s moderators.'
        : 'Reported to the server’s admins.',
    );
  } catch (err) {
    ctx.error(err);
  }
}

/** The quick choices of the reaction picker; any other emoji may be typed. */
const QUICK = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'];

async function pickReaction(c: SwitchboardClient, msg: ChatMessage, ctx: MessageActionContext) {
  const a = await ask({
    title: `React to the message from ${msg.from}`,
    choice: { label: 'Reaction', options: QUICK.map((e) => ({ value: e, label: e })) },
    text: { label: 'Or any emoji', maxLength: 16 },
    ok: 'React',
  });
  if (!a) return;
  try {
    await react(c, msg.channel, msg.seq, a.text || a.choice);
  } catch (err) {
    ctx.error(err);
  }
}

/** Deletes after a yes: a delete erases the text for everyone and cannot be undone. */
async function confirmDelete(
  c: SwitchboardClient,
  msg: ChatMessage,
  ctx: MessageActionContext,
  own: boolean,
) {
  const a = await ask({
    title: own
      ? 'Delete your message? This cannot be undone.'
      : `Delete the message from ${msg.from}? This cannot be undone.`,
    ok: 'Delete',
  });
  if (!a) return;
  try {
    await mod.deleteMessage(c, msg.channel, msg.seq);
  } catch (err) {
    ctx.error(err);
  }
}

/** Asks for a new wording of my message `msg` and saves it (the menu's Edit, and Up-arrow). */
export async function editDialog(
  c: SwitchboardClient,
  msg: ChatMessage,
  ctx: Pick<MessageActionContext, 'error'>,
) {
  const a = await ask({
    title: 'Edit your message',
    text: { label: 'Text', maxLength: 4096, value: msg.text },
    ok: 'Save',
  });
  if (!a || !a.text || a.text === msg.text) return;
  try {
    await editMessage(c, msg.channel, msg.seq, a.text);
  } catch (err) {
    ctx.error(err);
  }
}
