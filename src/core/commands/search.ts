/**
 * The search command: the query's filters are parsed here (src/protocol/search-query.ts), the
 * channels the user may read are resolved here, and the store searches exactly those
 * (src/store/search-index.ts). What may be searched is what `history` may read: the rooms the
 * user is a member of that the permission table lets them read now, and their DMs above their
 * floor. An `in:` outside that set, like one naming no channel at all, finds nothing: the answer
 * never tells whether a room or conversation exists.
 */
import { parseSearchQuery, type SearchFilters } from '../../protocol/search-query.js';
import { dmChannel, roomChannel } from '../../protocol/frames.js';
import type { SearchQuery } from '../../store/store.js';
import type { ClientConnection } from '../connection.js';
import { authorize } from '../permissions.js';
import type { CommandContext, Handler } from './context.js';
import { isServerAdmin } from './room-access.js';

/** Hits per page when the frame gives no limit. */
const DEFAULT_LIMIT = 20;

type Readable = SearchQuery['channels'][number];

export const search: Handler<'search'> = async (ctx, conn, f) => {
  const { text, filters } = parseSearchQuery(f.query);
  const channels = within(await readableChannels(ctx, conn), filters, conn.user!);
  const page = await ctx.store.search.search({
    query: text,
    channels,
    limit: f.limit ?? DEFAULT_LIMIT,
    ...(f.cursor === undefined ? {} : { cursor: f.cursor }),
    ...(filters.from === undefined ? {} : { from: filters.from }),
    ...(filters.before === undefined ? {} : { before: filters.before }),
    ...(filters.after === undefined ? {} : { after: filters.after }),
  });
  return { hits: page.hits, ...(page.cursor === null ? {} : { cursor: page.cursor }) };
};

/** Every channel the user may read now, with their floor in it. */
async function readableChannels(ctx: CommandContext, conn: ClientConnection): Promise<Readable[]> {
  const user = conn.user!;
  const serverAdmin = isServerAdmin(conn);
  const memberships = await ctx.store.memberships(user);
  const allowed = await Promise.all(
    memberships.map(async (m) => {
      if (m.kind === 'dm') return true;
      const access = await ctx.store.moderation.access(m.channel, user, ctx.now());
      if (!access) return false;
      const actor = { role: access.role, serverAdmin, banned: access.banned, muted: access.muted };
      return authorize('history', access.kind, actor) === null;
    }),
  );
  return memberships
    .filter((_, i) => allowed[i])
    .map((m) => ({ channel: m.channel, floorSeq: m.floorSeq }));
}

/** The channels an `in:` filter leaves: one of the readable ones, or none. */
function within(readable: Readable[], filters: SearchFilters, user: string): Readable[] {
  const only = filters.in;
  if (only === undefined) return readable;
  const id = only.kind === 'room' ? roomChannel(only.room) : dmChannel(user, only.user);
  return readable.filter((c) => c.channel === id);
}
