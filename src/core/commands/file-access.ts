/**
 * The channel checks of the file routes (src/http/upload-routes.ts), which run outside a
 * connection: uploading to a channel needs what sending there needs, getting a file's link what
 * reading it needs. Anyone who is not a member gets the answer of an unknown channel
 * (SB_ERR_ROOM_NOT_FOUND for a room, SB_ERR_CHANNEL_INVALID for a DM), so a file route tells a
 * stranger nothing about a room, public or private.
 */
import { SwitchboardError } from '../../errors.js';
import { dmPeer, parseChannel } from '../../protocol/frames.js';
import { authorize, roomState } from '../permissions.js';
import type { CommandContext } from './context.js';
import { isServerAdmin, roomName, roomNotFound, type Principal } from './room-access.js';

export async function authorizeChannel(
  ctx: Pick<CommandContext, 'store' | 'now'>,
  who: Principal,
  channel: string,
  command: 'send' | 'history',
): Promise<void> {
  const user = who.user!;
  const parsed = parseChannel(channel);
  if (!parsed) throw new SwitchboardError('SB_ERR_CHANNEL_INVALID');
  if (parsed.kind === 'dm') {
    if (!parsed.users.includes(user) || !(await ctx.store.membership(channel, user)))
      throw new SwitchboardError('SB_ERR_CHANNEL_INVALID');
    if (command === 'send') {
      const other = dmPeer(parsed.users, user);
      if (await ctx.store.moderation.isBlocked(other, user))
        throw new SwitchboardError('SB_ERR_BLOCKED');
    }
    return;
  }
  const room = roomName(parsed.room);
  const access = await ctx.store.moderation.access(channel, user, ctx.now());
  if (!access || access.role === null) throw roomNotFound(room);
  const code = authorize(
    command,
    access.kind,
    {
      role: access.role,
      serverAdmin: isServerAdmin(who),
      banned: access.banned,
      muted: access.muted,
    },
    roomState(access),
  );
  if (code !== null) throw new SwitchboardError(code);
}
