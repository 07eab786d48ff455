/**
 * What a node does with an envelope from another node (see envelope.ts): deliver messages in
 * order, relay typing and member events, follow the user's read positions and memberships.
 */
import { CLOSE_CODE_ERRORS } from '../protocol/close-codes.js';
import { channelState, withRoomLook } from './channel-state.js';
import { deliverReceipt } from './receipt-delivery.js';
import { followHeardDm } from './commands/access.js';
import { deliverReport } from './commands/report.js';
import type { CommandContext } from './commands/context.js';
import type { Envelope } from './envelope.js';

export type EnvelopeContext = Pick<CommandContext, 'store' | 'directory' | 'now'> & {
  /** A member event from another node: counted and shown here, not published again. */
  memberSeen(room: string, user: string, joined: boolean): void;
  /** A follow-up of an envelope failed (store or bus down). */
  failed(err: unknown): void;
  /** A sign-in attempt another node let through (CoreOptions.logins). */
  loginSeen(address: string, handle: string | undefined): void;
};

/** `user` is set for payloads on a user's topic (`u.<user>`), null for channel topics. */
export function applyEnvelope(ctx: EnvelopeContext, user: string | null, e: Envelope): void {
  const { directory } = ctx;
  switch (e.k) {
    case 'msg': {
      const ch = directory.channels.get(e.m.channel);
      if (user && (!ch || !directory.follows(user, e.m.channel))) {
        // A DM in a conversation these connections do not follow yet: replay it from the start.
        followHeardDm(ctx, user, e.m.channel).catch((err: unknown) => ctx.failed(err));
        return;
      }
      ch?.deliver(e.m);
      return;
    }
    case 'typing':
      directory.channels
        .get(e.c)
        ?.event(JSON.stringify({ type: 'typing', channel: e.c, user: e.u }), null);
      return;
    case 'member':
      ctx.memberSeen(e.c.slice(5), e.u, e.j);
      return;
    case 'read':
      if (user)
        directory.pushToUser(
          user,
          JSON.stringify({
            type: 'read',
            channel: e.c,
            seq: e.s,
            unread: e.n,
            mentions: e.m ?? 0,
            ...(e.t === undefined ? {} : { thread: e.t }),
          }),
        );
      return;
    case 'receipt':
      deliverReceipt(directory, e.c, e.u, e.s);
      return;
    case 'settings':
      if (!user) return;
      for (const conn of directory.connectionsOf(user)) conn.receipts = e.r;
      directory.pushToUser(user, JSON.stringify({ type: 'settings', receipts: e.r }));
      return;
    case 'membership':
      if (!user) return;
      if (e.j) {
        // Joined on another node: live here from now, announced with the position it starts at.
        directory
          .borrow(e.c, (ch) => {
            const state = channelState(ch, user, ch.lastSeq);
            const look = e.t === undefined ? null : { topic: e.t, archived: e.a === true };
            const frame = JSON.stringify({
              type: 'channel',
              ...(look ? withRoomLook(state, look) : state),
            });
            directory.subscribeUser(user, ch, { live: true, announce: () => frame });
          })
          .catch((err: unknown) => ctx.failed(err));
      } else {
        directory.unsubscribeUser(user, e.c);
        directory.pushToUser(
          user,
          JSON.stringify({
            type: 'member',
            room: e.c.slice(5),
            user,
            joined: false,
            ...(e.r === 'kick' || e.r === 'ban' ? { removed: e.r } : {}),
          }),
        );
      }
      return;
    case 'event':
      directory.channels.get(e.c)?.event(e.f, null);
      return;
    case 'notice':
      if (user) directory.pushToUser(user, e.f);
      return;
    case 'report':
      deliverReport(ctx, e.r).catch((err: unknown) => ctx.failed(err));
      return;
    case 'login':
      if (typeof e.a === 'string' && (e.h === undefined || typeof e.h === 'string'))
        ctx.loginSeen(e.a, e.h);
      return;
    case 'head': {
      const ch = directory.channels.get(e.c);
      if (user && (!ch || !directory.follows(user, e.c))) {
        followHeardDm(ctx, user, e.c).catch((err: unknown) => ctx.failed(err));
        return;
      }
      ch?.ready
        .then(() => (ch.lastSeq < e.s ? ch.resync() : undefined))
        .catch((err: unknown) => ctx.failed(err));
      return;
    }
    case 'disconnect':
      // A code this version does not know (a newer node) is not ours to send.
      if (user && e.code in CLOSE_CODE_ERRORS) directory.closeUser(user, e.code, e.s);
      return;
  }
}
