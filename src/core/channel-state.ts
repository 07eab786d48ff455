import { dmPeer, parseChannel, type ChannelState } from '../protocol/frames.js';
import type { RoomAccess, Store } from '../store/store.js';
import type { LocalChannel } from './local-channel.js';

/** Unread counts stop here (a client shows "999+"): counting is a scan of the unread range. */
export const UNREAD_CAP = 1000;

/**
 * What a user sees of a channel: position, read position, unread count (mentions 0 until
 * `countUnread`). `floorSeq`: the member
 * sees nothing at or below it (DMs of a reclaimed handle; see Store `MemberPosition`), so
 * firstSeq is above it and unread counts from it at the earliest. The unread count here is the
 * number of log entries after the read position: exact when that is 0, an upper bound otherwise
 * (events are entries too); `countUnread` makes it the number of messages.
 */
export function channelState(
  ch: LocalChannel,
  user: string,
  readSeq: number,
  floorSeq = 0,
): ChannelState {
  const parsed = parseChannel(ch.id);
  const name = parsed?.kind === 'dm' ? dmPeer(parsed.users, user) : ch.id.slice(5);
  const read = Math.min(Math.max(readSeq, floorSeq), ch.lastSeq);
  return {
    channel: ch.id,
    kind: parsed?.kind ?? 'room',
    name,
    lastSeq: ch.lastSeq,
    readSeq: read,
    unread: Math.max(0, ch.lastSeq - read),
    mentions: 0,
    firstSeq: Math.max(ch.firstSeq, floorSeq + 1),
  };
}

/** A room's look in its members' clients: its topic ('' when none) and whether it is archived. */
export type RoomLook = Pick<RoomAccess, 'topic' | 'archived'>;

/** A new room's look: no topic, open. */
export const NEW_ROOM: RoomLook = { topic: '', archived: false };

/** `state` with the room's topic and archived flag (ChannelState says them or neither). */
export const withRoomLook = (state: ChannelState, look: RoomLook): ChannelState => ({
  ...state,
  topic: look.topic,
  archived: look.archived,
});

/**
 * `state` with `unread` the number of messages (not events) after its read position, and
 * `mentions` the number of those that mention `user` (both capped at UNREAD_CAP).
 */
export async function countUnread(
  store: Pick<Store, 'countMessages' | 'countMentions'>,
  state: ChannelState,
  user: string,
): Promise<ChannelState> {
  if (state.unread === 0) return state;
  const { channel, readSeq, lastSeq } = state;
  const [unread, mentions] = await Promise.all([
    store.countMessages(channel, readSeq, lastSeq, UNREAD_CAP),
    store.countMentions(channel, user, readSeq, lastSeq, UNREAD_CAP),
  ]);
  return { ...state, unread, mentions };
}
