/**
 * The hello command: authenticate, subscribe the connection to every channel of the user, and
 * replay resumed channels. The reply goes out before any replayed or live frame.
 */
import { SwitchboardError } from '../errors.js';
import {
  PROTOCOL_VERSION,
  parseChannel,
  type ClientFrame,
  type HelloResult,
} from '../protocol/frames.js';
import type { ChatCore } from './chat-core.js';
import { channelState } from './channel-state.js';
import type { ClientConnection } from './connection.js';
import { NO_REPLY, encodeError, encodeReply } from './wire.js';

const GENERAL = 'room:general';

export async function hello(
  core: ChatCore,
  conn: ClientConnection,
  f: Extract<ClientFrame, { type: 'hello' }>,
): Promise<unknown> {
  if (conn.user !== null) throw new SwitchboardError('SB_ERR_ALREADY_AUTHENTICATED');
  const { store, auth, presence } = core.opts;
  // A handle in use anywhere in the cluster is held, even if its session expired while its
  // connections stayed open (expiry slides only on hello): nobody else may claim it.
  if (
    f.token === undefined &&
    f.handle !== undefined &&
    presence.count(f.handle.toLowerCase()) > 0
  ) {
    throw new SwitchboardError('SB_ERR_HANDLE_TAKEN');
  }
  const identity = await auth.authenticate({ handle: f.handle, token: f.token });
  if (conn.closed) return NO_REPLY;
  if (conn.user !== null) throw new SwitchboardError('SB_ERR_ALREADY_AUTHENTICATED');
  const user = identity.user;
  conn.user = user;
  conn.presence = f.presence ?? true;
  core.addUserConnection(user, conn);
  conn.hold();
  try {
    let memberships = await store.memberships(user);
    if (memberships.length === 0 && f.token === undefined) {
      // Every new user starts in general.
      if (await store.addMember(GENERAL, user)) {
        core.memberEvent('general', user, true);
        const head = await store.head(GENERAL);
        const at = head?.lastSeq ?? 0;
        // A new member starts read at the head (as the store does); no second query needed.
        memberships = [
          {
            channel: GENERAL,
            kind: 'room',
            lastSeq: at,
            firstSeq: head?.firstSeq ?? 1,
            readSeq: at,
            floorSeq: 0,
          },
        ];
      }
    }
    const resume = new Map((f.resume ?? []).map((p) => [p.channel, p.after]));
    const subscribed = await Promise.all(
      memberships.map(async (m) => {
        const ch = await core.channel(m.channel);
        // Synchronous from here to the subscription: nothing delivered in between is missed.
        if (conn.closed) return null;
        const after = resume.get(m.channel);
        resume.delete(m.channel);
        // floorSeq is 0 for rooms; a DM member never sees what was sent before they joined it.
        const floor = m.floorSeq;
        const state = channelState(ch, user, m.readSeq, floor);
        if (after === undefined) {
          ch.subscribeLive(conn);
          return { state, replay: null };
        }
        return {
          state,
          replay: ch.catchUp(conn, Math.max(after, floor)).then((r) => ({
            channel: m.channel,
            ...r,
            firstSeq: Math.max(r.firstSeq, floor + 1),
          })),
        };
      }),
    );
    if (conn.closed) return NO_REPLY;
    const result: HelloResult = {
      user,
      token: identity.token,
      expiresAt: identity.expiresAt,
      protocol: PROTOCOL_VERSION,
      pingInterval: core.opts.pingInterval,
      maxMessageBytes: core.opts.maxMessageBytes,
      rateLimit: core.opts.rateLimit,
      rateBurst: core.opts.rateBurst,
      channels: subscribed.flatMap((s) => (s ? [s.state] : [])),
      online: conn.presence
        ? [...presence.list()].map(([u, connections]) => ({ user: u, connections }))
        : [],
    };
    conn.release(encodeReply(f.id, result));
    for (const channel of resume.keys()) {
      const parsed = parseChannel(channel);
      // A room left meanwhile (maybe on another device): say so in the frame that means it.
      conn.push(
        parsed?.kind === 'room'
          ? JSON.stringify({ type: 'member', room: parsed.room, user, joined: false })
          : encodeError(new SwitchboardError('SB_ERR_CHANNEL_INVALID', `cannot resume ${channel}`)),
      );
    }
    for (const s of subscribed) {
      s?.replay
        ?.then((r) => {
          conn.push(
            JSON.stringify({
              type: 'synced',
              channel: r.channel,
              seq: r.seq,
              truncated: r.truncated,
              firstSeq: r.firstSeq,
            }),
          );
        })
        .catch((err: unknown) => core.sendError(conn, err));
    }
    return NO_REPLY;
  } catch (err) {
    for (const id of [...conn.channels]) core.unsubscribe(conn, id);
    core.removeUserConnection(user, conn);
    conn.user = null;
    conn.release();
    throw err;
  }
}
