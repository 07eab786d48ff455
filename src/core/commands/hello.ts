/**
 * The hello command: authenticate, subscribe the connection to every channel of the user, and
 * replay resumed channels. The connection is held meanwhile: the reply goes out before any
 * replayed or live frame, and each replay ends with `synced` before its live messages.
 */
import { SwitchboardError } from '../../errors.js';
import { PROTOCOL_VERSION, parseChannel, type HelloResult } from '../../protocol/frames.js';
import { CLOSE_CODE_ERRORS, CloseCode } from '../../protocol/close-codes.js';
import { SERVER_SCOPE, type Membership } from '../../store/store.js';
import { NEW_ROOM, channelState, countUnread, withRoomLook } from '../channel-state.js';
import { NO_ROLES, type ClientConnection } from '../connection.js';
import type { SyncResult } from '../local-channel.js';
import { NO_REPLY, encodeError } from '../wire.js';
import { credentialExpiry } from './refresh.js';
import { authorizeRoom } from './room-access.js';
import type { CommandContext, Frame } from './context.js';

const GENERAL = 'room:general';

/**
 * The frame that answers a resumed channel the user no longer has: a coded error frame naming the
 * channel, final (not retryable), so no data of it follows. The code is the one the `resume`
 * command answers: a room they left or were kicked from, SB_ERR_NOT_A_MEMBER; banned,
 * SB_ERR_BANNED; a private room, SB_ERR_ROOM_NOT_FOUND; a DM not theirs, SB_ERR_CHANNEL_INVALID.
 * Null when the user is a member after all.
 */
async function notResumed(
  ctx: CommandContext,
  conn: ClientConnection,
  channel: string,
): Promise<string | null> {
  const parsed = parseChannel(channel);
  if (parsed?.kind !== 'room')
    return encodeError(
      new SwitchboardError('SB_ERR_CHANNEL_INVALID', `cannot resume ${channel}`),
      undefined,
      channel,
    );
  try {
    await authorizeRoom(ctx, conn, 'resume', parsed.room);
  } catch (err) {
    if (err instanceof SwitchboardError && !err.retryable)
      return encodeError(err, undefined, channel);
    throw err;
  }
  // A member after all: they joined since the memberships were read, and the join's `channel`
  // frame reaches this connection (it was in the directory before the read).
  return null;
}

export async function hello(
  ctx: CommandContext,
  conn: ClientConnection,
  f: Frame<'hello'>,
): Promise<unknown> {
  if (conn.user !== null) throw new SwitchboardError('SB_ERR_ALREADY_AUTHENTICATED');
  // A handle in use anywhere in the cluster is held, even if its session expired while its
  // connections stayed open (expiry slides only on hello): nobody else may claim it.
  if (
    f.jwt === undefined &&
    f.token === undefined &&
    f.handle !== undefined &&
    ctx.presence.count(f.handle.toLowerCase()) > 0
  ) {
    throw new SwitchboardError('SB_ERR_HANDLE_TAKEN');
  }
  const identity = await ctx.auth.authenticate({ handle: f.handle, token: f.token, jwt: f.jwt });
  if (conn.closed) return NO_REPLY;
  if (conn.user !== null) throw new SwitchboardError('SB_ERR_ALREADY_AUTHENTICATED');
  const user = identity.user;
  // A server-wide ban: the answer is final, like the close of the user's other connections.
  const [banned, receipts] = await Promise.all([
    ctx.store.moderation.restriction(SERVER_SCOPE, user, 'ban', ctx.now()),
    ctx.store.receiptsEnabled(user),
  ]);
  if (banned) {
    conn.push(encodeError(new SwitchboardError('SB_ERR_BANNED'), f.id));
    conn.close(CloseCode.BANNED, CLOSE_CODE_ERRORS[CloseCode.BANNED]);
    return NO_REPLY;
  }
  conn.user = user;
  conn.session = identity.sessionId ?? null;
  conn.roles = identity.roles?.length ? identity.roles : NO_ROLES;
  conn.credential = credentialExpiry(identity, ctx.now());
  conn.presence = f.presence ?? true;
  conn.receipts = receipts;
  ctx.directory.addUserConnection(user, conn);
  conn.hold();
  try {
    const memberships = await membershipsOf(ctx, user, f.token === undefined);
    const resume = new Map((f.resume ?? []).map((p) => [p.channel, p.after]));
    const states = await Promise.all(
      memberships.map((m) =>
        ctx.directory.borrow(m.channel, (ch) => {
          // Synchronous from the subscription to the state: the state's lastSeq is where live
          // delivery starts.
          if (conn.closed) return null;
          const after = resume.get(m.channel);
          resume.delete(m.channel);
          // floorSeq is 0 for rooms; a DM member never sees what was sent before they joined it.
          // A room's look (topic, archived) came with the membership: a page shows the header
          // without asking.
          const plain = channelState(ch, user, m.readSeq, m.floorSeq);
          const state = m.kind === 'room' ? withRoomLook(plain, m) : plain;
          if (after === undefined) ch.subscribeLive(conn);
          else
            ctx.directory.replay(conn, ch, Math.max(after, m.floorSeq), (r) =>
              syncedFrame(r, m.floorSeq),
            );
          return state;
        }),
      ),
    );
    if (conn.closed) return NO_REPLY;
    const channels = await Promise.all(
      states.flatMap((s) => (s ? [countUnread(ctx.store, s, user)] : [])),
    );
    if (conn.closed) return NO_REPLY;
    // Channels asked for but no longer ours: say why after the reply (held until then). At most
    // 1000 positions (the frame's bound), looked up together.
    const gone = await Promise.all([...resume.keys()].map((c) => notResumed(ctx, conn, c)));
    if (conn.closed) return NO_REPLY;
    for (const frame of gone) if (frame !== null) conn.push(frame);
    const result: HelloResult = {
      user,
      ...(identity.name ? { name: identity.name } : {}),
      // An authenticator that keeps no session (JWT, webhook) gives '': no token to come back with.
      ...(identity.token ? { token: identity.token } : {}),
      expiresAt: identity.expiresAt,
      protocol: PROTOCOL_VERSION,
      pingInterval: ctx.limits.pingInterval,
      maxMessageBytes: ctx.limits.maxMessageBytes,
      rateLimit: ctx.limits.rateLimit,
      rateBurst: ctx.limits.rateBurst,
      channels,
      settings: { receipts: conn.receipts },
      online: conn.presence
        ? [...ctx.presence.list()].map(([u, connections]) => ({ user: u, connections }))
        : [],
    };
    return result;
  } catch (err) {
    ctx.directory.drop(conn);
    conn.user = null;
    conn.session = null;
    conn.roles = NO_ROLES;
    conn.credential = null;
    conn.discardHeld();
    throw err;
  }
}

/** The user's channels; a new user without a token starts in general. */
async function membershipsOf(
  ctx: CommandContext,
  user: string,
  newcomer: boolean,
): Promise<Membership[]> {
  const memberships = await ctx.store.memberships(user);
  if (memberships.length > 0 || !newcomer) return memberships;
  // Someone banned from general is not put back in it.
  const access = await ctx.store.moderation.access(GENERAL, user, ctx.now());
  if (access?.banned) return memberships;
  if (!(await ctx.store.addMember(GENERAL, user))) return memberships;
  ctx.memberEvent('general', user, true);
  const head = await ctx.store.head(GENERAL);
  const at = head?.lastSeq ?? 0;
  // A new member starts read at the head (as the store does); no second query needed.
  return [
    {
      channel: GENERAL,
      kind: 'room',
      lastSeq: at,
      firstSeq: head?.firstSeq ?? 1,
      readSeq: at,
      floorSeq: 0,
      topic: access?.topic ?? NEW_ROOM.topic,
      archived: access?.archived ?? NEW_ROOM.archived,
    },
  ];
}

/** The end of a replay; firstSeq never below the member's floor. */
export function syncedFrame(r: SyncResult, floor: number): string {
  return JSON.stringify({
    type: 'synced',
    channel: r.channel,
    seq: r.seq,
    truncated: r.truncated,
    firstSeq: Math.max(r.firstSeq, floor + 1),
  });
}
