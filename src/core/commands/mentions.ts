/**
 * Mentions in a sent or edited text (src/protocol/mentions.ts parses them): whom the stored
 * message names, who may use `@room` / `@here`, and the `mention` frames that tell them.
 *
 * - Only members of the channel are listed (a room's members; a DM's two participants), so a
 *   mention of anyone else is neither stored nor notified.
 * - The sender is never listed (a mention of oneself notifies no one and counts nothing).
 * - Users who block the sender are left out: they are not told, and not listed.
 * - More than MAX_MENTIONS different names (known or not): SB_ERR_MENTION_LIMIT, nothing stored.
 * - `@room` / `@here` in a room of more than --mention-all-min-members members needs the
 *   permission table's `mention-all` (moderators and above): SB_ERR_MENTION_FORBIDDEN otherwise.
 */
import { SwitchboardError } from '../../errors.js';
import {
  MAX_MENTIONS,
  parseChannel,
  parseMentions,
  type MentionAll,
} from '../../protocol/frames.js';
import type { StoredMessage } from '../../store/store.js';
import { authorize, roomState } from '../permissions.js';
import type { CommandContext } from './context.js';
import type { RoomGrant } from './room-access.js';

export interface Mentions {
  mentions?: string[];
  mentionsAll?: MentionAll;
}

/** The mentions of `text`, sent by `sender` in `channel` (a room's grant, null for a DM). */
export async function resolveMentions(
  ctx: CommandContext,
  sender: string,
  channel: string,
  text: string,
  grant: RoomGrant | null,
): Promise<Mentions> {
  const { handles, all } = parseMentions(text);
  if (handles.length + (all ? 1 : 0) > MAX_MENTIONS)
    throw new SwitchboardError('SB_ERR_MENTION_LIMIT');
  if (handles.length === 0 && all === null) return {};
  const parsed = parseChannel(channel);
  if (all && grant && (await roomSize(ctx, channel)) > ctx.limits.mentionAllMinMembers) {
    const code = authorize('mention-all', grant.access.kind, grant.actor, roomState(grant.access));
    if (code !== null)
      throw new SwitchboardError(code === 'SB_ERR_FORBIDDEN' ? 'SB_ERR_MENTION_FORBIDDEN' : code);
  }
  // At most MAX_MENTIONS lookups each, whatever the room's size.
  const others = handles.filter((h) => h !== sender);
  const kept = await Promise.all(
    others.map(
      async (h) =>
        (parsed?.kind === 'dm' ? parsed.users.includes(h) : await ctx.store.isMember(channel, h)) &&
        !(await ctx.store.moderation.isBlocked(h, sender)),
    ),
  );
  const mentions = others.filter((_, i) => kept[i]);
  return {
    ...(mentions.length > 0 ? { mentions } : {}),
    ...(all ? { mentionsAll: all } : {}),
  };
}

/** A room's member count: this node's tally when it holds the room, else the store's. */
async function roomSize(ctx: CommandContext, channel: string): Promise<number> {
  const tally = ctx.directory.channels.get(channel)?.tally;
  return tally?.loaded ? tally.size : ctx.store.memberCount(channel);
}

/**
 * Tells the mentioned users of a stored message (`seq`: the message, also for an edit of it):
 * each named one on every device and node, `@room` / `@here` everyone receiving the channel.
 * `before`: the mentions the message had (an edit tells only those it adds).
 */
export function notifyMentions(
  ctx: CommandContext,
  m: StoredMessage,
  seq: number,
  before: Mentions = {},
): void {
  const base = { type: 'mention', channel: m.channel, seq, from: m.from };
  // A push to a user with no device connected: for a new room message only (a DM is pushed as
  // a DM already, an edit is not news); @room / @here push nobody (a room may be big).
  const push = m.edits === undefined && m.channel.startsWith('room:');
  for (const user of m.mentions ?? [])
    if (!before.mentions?.includes(user)) {
      ctx.notifyUser(user, JSON.stringify(base));
      if (push) ctx.pushNotify(user, m, 'mention');
    }
  if (!m.mentionsAll || before.mentionsAll) return;
  const frame = JSON.stringify({ ...base, all: m.mentionsAll });
  const parsed = parseChannel(m.channel);
  // A DM travels on its people's topics, not a channel topic: tell the other one there.
  if (parsed?.kind === 'dm') {
    for (const u of parsed.users) if (u !== m.from) ctx.notifyUser(u, frame);
  } else ctx.channelEvent(m.channel, frame);
}
