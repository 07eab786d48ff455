/**
 * The one permission check of room commands: reads the user's standing in the room from the
 * store (so a role change, ban or mute made on any node counts at once) and asks the permission
 * table (../permissions.ts).
 */
import { SwitchboardError } from '../../errors.js';
import { ROOM_RE, roomChannel } from '../../protocol/frames.js';
import type { RoomAccess } from '../../store/store.js';
import type { ClientConnection } from '../connection.js';
import {
  SERVER_ADMIN_ROLE,
  authorize,
  roomState,
  type Actor,
  type RoomCommand,
} from '../permissions.js';
import type { CommandContext } from './context.js';

/** The server role that makes a user a server admin (from Identity.roles). */

/** Who runs a command: a connection, or an HTTP request's identity (the upload routes). */
export type Principal = Pick<ClientConnection, 'user' | 'roles'>;

export const isServerAdmin = (conn: Pick<ClientConnection, 'roles'>): boolean =>
  conn.roles.includes(SERVER_ADMIN_ROLE);

export function roomName(room: string): string {
  if (!ROOM_RE.test(room)) throw new SwitchboardError('SB_ERR_ROOM_NAME_INVALID');
  return room;
}

/** The error of an unknown room; a private room answers a non-member with exactly this. */
export const roomNotFound = (room: string): SwitchboardError =>
  new SwitchboardError('SB_ERR_ROOM_NOT_FOUND', `no such room: ${room}`);

export interface RoomGrant {
  id: string;
  access: RoomAccess;
  actor: Actor;
}

/** The room's channel id and the user's standing in it; rejects with the table's code. */
export async function authorizeRoom(
  ctx: Pick<CommandContext, 'store' | 'now'>,
  conn: Principal,
  command: RoomCommand,
  room: string,
): Promise<RoomGrant> {
  const id = roomChannel(roomName(room));
  const access = await ctx.store.moderation.access(id, conn.user!, ctx.now());
  if (!access) throw roomNotFound(room);
  const actor: Actor = {
    role: access.role,
    serverAdmin: isServerAdmin(conn),
    banned: access.banned,
    muted: access.muted,
  };
  const code = authorize(command, access.kind, actor, roomState(access));
  if (code === 'SB_ERR_ROOM_NOT_FOUND') throw roomNotFound(room);
  if (code !== null) throw new SwitchboardError(code);
  return { id, access, actor };
}
