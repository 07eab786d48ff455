/**
 * The actions menu of a message: Delete (your own, or anyone's in a room where your role may
 * delete others' messages, mirrored from the server's table) and Report (someone else's, with an
 * optional reason). The server still decides; a refusal is shown in words.
 */
import type { SwitchboardClient } from '../client/index.js';
import * as mod from '../client/moderation.js';
import type { ChatMessage, RoomKind, RoomRole } from '../protocol/frames.js';
import { ask } from './ask-dialog.js';
import type { MenuItem } from './menu.js';

export interface MessageActionContext {
  me: string;
  /** The open room's kind and the viewer's role in it (null: unknown, or a DM). */
  kind: RoomKind;
  role: RoomRole | null;
  error(err: unknown): void;
  notice(text: string): void;
}

export function messageActions(
  c: SwitchboardClient,
  msg: ChatMessage,
  ctx: MessageActionContext,
): MenuItem[] {
  const items: MenuItem[] = [];
  const own = msg.from === ctx.me;
  const room = msg.channel.startsWith('room:');
  if (own || (room && mod.allowed('delete', ctx.kind, ctx.role)))
    items.push({
      label: 'Delete message',
      testId: 'action-delete',
      danger: true,
      run: () =>
        void mod.deleteMessage(c, msg.channel, msg.seq).catch((e: unknown) => ctx.error(e)),
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
