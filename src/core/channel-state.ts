import { parseChannel, type ChannelState } from '../protocol/frames.js';
import type { LocalChannel } from './local-channel.js';

/**
 * What a user sees of a channel: position, read position, unread count. `floorSeq`: the member
 * sees nothing at or below it (DMs of a reclaimed handle; see Store `MemberPosition`), so
 * firstSeq is above it and unread counts from it at the earliest.
 */
export function channelState(
  ch: LocalChannel,
  user: string,
  readSeq: number,
  floorSeq = 0,
): ChannelState {
  const parsed = parseChannel(ch.id);
  const name =
    parsed?.kind === 'dm'
      ? parsed.users[0] === user
        ? parsed.users[1]
        : parsed.users[0]
      : ch.id.slice(5);
  const read = Math.min(Math.max(readSeq, floorSeq), ch.lastSeq);
  return {
    channel: ch.id,
    kind: parsed?.kind ?? 'room',
    name,
    lastSeq: ch.lastSeq,
    readSeq: read,
    unread: Math.max(0, ch.lastSeq - read),
    firstSeq: Math.max(ch.firstSeq, floorSeq + 1),
  };
}
