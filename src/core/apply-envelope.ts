/**
 * What a node does with an envelope from another node (see envelope.ts): deliver messages in
 * order, relay typing and member events, follow the user's read positions and memberships.
 */
import type { ChatCore } from './chat-core.js';
import { channelState } from './channel-state.js';
import type { Envelope } from './envelope.js';
import { encodeMessage } from './local-channel.js';

/** `user` is set for payloads on a user's topic (`u.<user>`), null for channel topics. */
export function applyEnvelope(core: ChatCore, user: string | null, e: Envelope): void {
  switch (e.k) {
    case 'msg': {
      const ch = core.channels.get(e.m.channel);
      if (user && (!ch || !core.follows(user, e.m.channel))) {
        // A DM in a conversation these connections do not follow yet: replay it from the start.
        core.subscribeUser(user, e.m.channel, 0).catch((err) => core.busError(err));
        return;
      }
      ch?.deliver(e.m, { json: encodeMessage(e.m), origin: null });
      return;
    }
    case 'typing':
      core.channels
        .get(e.c)
        ?.event(JSON.stringify({ type: 'typing', channel: e.c, user: e.u }), null);
      return;
    case 'member':
      core.memberEvent(e.c.slice(5), e.u, e.j, true);
      return;
    case 'read':
      if (user)
        core.pushToUser(
          user,
          JSON.stringify({ type: 'read', channel: e.c, seq: e.s, unread: e.n }),
        );
      return;
    case 'membership':
      if (!user) return;
      if (e.j) {
        core
          .subscribeUser(user, e.c)
          .then(() => {
            const ch = core.channels.get(e.c);
            if (ch)
              core.pushToUser(
                user,
                JSON.stringify({ type: 'channel', ...channelState(ch, user, ch.lastSeq) }),
              );
          })
          .catch((err) => core.busError(err));
      } else {
        core.unsubscribeUser(user, e.c);
        core.pushToUser(
          user,
          JSON.stringify({ type: 'member', room: e.c.slice(5), user, joined: false }),
        );
      }
      return;
  }
}
