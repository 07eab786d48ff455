/** A room the API reads directly from the store: its channel id, or SB_ERR_ROOM_NOT_FOUND. */
import { SwitchboardError } from '../../errors.js';
import { ROOM_RE, roomChannel } from '../../protocol/frames.js';
import type { Store } from '../../store/store.js';

export async function requireRoomName(store: Pick<Store, 'head'>, room: string): Promise<string> {
  if (!ROOM_RE.test(room)) throw new SwitchboardError('SB_ERR_ROOM_NAME_INVALID');
  const id = roomChannel(room);
  if (!(await store.head(id))) throw new SwitchboardError('SB_ERR_ROOM_NOT_FOUND');
  return id;
}
