/**
 * One handler per client frame type. Each resolves with the reply's `data` or rejects with a
 * SwitchboardError; ChatCore puts either on the wire.
 */
import { SwitchboardError } from '../errors.js';
import {
  HANDLE_RE,
  ROOM_RE,
  dmChannel,
  parseChannel,
  roomChannel,
  type ChannelState,
  type ClientFrame,
} from '../protocol/frames.js';
import type { StoredMessage } from '../store/store.js';
import type { ClientConnection } from './connection.js';
import type { ChatCore } from './chat-core.js';
import { channelTopic, userTopic } from './envelope.js';
import { encodeMessage, type LocalChannel } from './local-channel.js';
import { channelState } from './channel-state.js';
import { hello } from './hello.js';

type Frame<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;
type Handler<T extends ClientFrame['type']> = (
  core: ChatCore,
  conn: ClientConnection,
  f: Frame<T>,
) => Promise<unknown>;

function roomName(room: string): string {
  if (!ROOM_RE.test(room)) throw new SwitchboardError('SB_ERR_ROOM_NAME_INVALID');
  return room;
}

async function requireRoom(core: ChatCore, room: string): Promise<string> {
  const id = roomChannel(roomName(room));
  if (!(await core.opts.store.head(id)))
    throw new SwitchboardError('SB_ERR_ROOM_NOT_FOUND', `no such room: ${room}`);
  return id;
}

/**
 * The channel a user may read and the user's floor in it (nothing at or below it is theirs to
 * see). Rooms need membership and have floor 0; DMs need membership too (a participant's handle
 * may have been reclaimed by someone new since) and have the member's floor.
 */
async function readableChannel(
  core: ChatCore,
  conn: ClientConnection,
  channel: string,
): Promise<{ id: string; floor: number }> {
  const user = conn.user!;
  const parsed = parseChannel(channel);
  if (!parsed) throw new SwitchboardError('SB_ERR_CHANNEL_INVALID');
  if (parsed.kind === 'dm') {
    if (!parsed.users.includes(user)) throw new SwitchboardError('SB_ERR_CHANNEL_INVALID');
    const pos = await core.opts.store.membership(channel, user);
    if (!pos) throw new SwitchboardError('SB_ERR_CHANNEL_INVALID');
    return { id: channel, floor: pos.floorSeq };
  }
  if (conn.channels.has(channel)) return { id: channel, floor: 0 };
  await requireRoom(core, parsed.room);
  if (!(await core.opts.store.isMember(channel, user)))
    throw new SwitchboardError('SB_ERR_NOT_A_MEMBER');
  return { id: channel, floor: 0 };
}

async function joinRoom(core: ChatCore, conn: ClientConnection, id: string): Promise<ChannelState> {
  const user = conn.user!;
  const added = await core.opts.store.addMember(id, user);
  await core.subscribeUser(user, id);
  const ch = await core.channel(id);
  const mine = await core.opts.store.membership(id, user);
  const state = channelState(ch, user, mine?.readSeq ?? ch.lastSeq);
  if (added) {
    core.memberEvent(id.slice(5), user, true);
    core.pushToUser(user, JSON.stringify({ type: 'channel', ...state }), conn);
    core.publish(userTopic(user), { k: 'membership', c: id, j: true });
  }
  return state;
}

function checkText(core: ChatCore, text: string): void {
  if (text.trim().length === 0) throw new SwitchboardError('SB_ERR_MESSAGE_EMPTY');
  if (Buffer.byteLength(text, 'utf8') > core.opts.maxMessageBytes) {
    throw new SwitchboardError(
      'SB_ERR_MESSAGE_TOO_LARGE',
      `message text exceeds maxMessageBytes (${core.opts.maxMessageBytes})`,
    );
  }
}

async function send(core: ChatCore, conn: ClientConnection, f: Frame<'send'>): Promise<unknown> {
  const user = conn.user!;
  if ((f.room === undefined) === (f.to === undefined)) {
    throw new SwitchboardError('SB_ERR_BAD_FRAME', 'give exactly one of room, to');
  }
  checkText(core, f.text);
  let id: string;
  let recipient: string | null = null;
  if (f.room !== undefined) {
    id = roomChannel(roomName(f.room));
    if (!conn.channels.has(id)) {
      await requireRoom(core, f.room);
      throw new SwitchboardError('SB_ERR_NOT_A_MEMBER', `join ${f.room} first`);
    }
  } else {
    recipient = f.to!.toLowerCase();
    if (!HANDLE_RE.test(recipient)) {
      throw new SwitchboardError('SB_ERR_USER_NOT_FOUND', `no such user: ${f.to}`);
    }
    id = dmChannel(user, recipient);
    // A member of the conversation exists; only a non-member needs the user lookup.
    const recipientPos = await core.opts.store.membership(id, recipient);
    if (!recipientPos && !(await core.opts.auth.exists(recipient))) {
      throw new SwitchboardError('SB_ERR_USER_NOT_FOUND', `no such user: ${f.to}`);
    }
    if (!conn.channels.has(id)) {
      const ts = core.now();
      await core.opts.store.createChannel(id, 'dm', user, ts);
      await core.opts.store.addMember(id, user);
    }
    // Not a member: a new conversation, or the recipient's handle was reclaimed by someone new
    // since. Either way they join now, floored at the conversation so far: they get this
    // message and nothing before it.
    if (!recipientPos) await core.opts.store.addMember(id, recipient);
    if (!conn.channels.has(id)) await core.subscribeUser(user, id, 0);
    await core.subscribeUser(recipient, id, 0);
  }
  const ch = await core.channel(id);
  const { message, duplicate } = await core.opts.store.append({
    channel: id,
    cid: f.cid,
    from: user,
    text: f.text,
    ts: core.now(),
  });
  if (!duplicate) {
    core.metrics.messageStored(recipient ? 'dm' : 'room');
    deliverLocal(core, ch, message, conn);
    if (recipient) {
      core.publish(userTopic(recipient), { k: 'msg', m: message });
      if (recipient !== user) core.publish(userTopic(user), { k: 'msg', m: message });
    } else {
      core.publish(channelTopic(id), { k: 'msg', m: message });
    }
    core.opts.store.setReadSeq(id, user, message.seq).catch(() => {});
  }
  return { message: { type: 'message', ...message }, duplicate };
}

function deliverLocal(
  core: ChatCore,
  ch: LocalChannel,
  m: StoredMessage,
  origin: ClientConnection,
): void {
  ch.deliver(m, { json: encodeMessage(m), origin });
  core.releaseIfIdle(ch);
}

async function history(
  core: ChatCore,
  conn: ClientConnection,
  f: Frame<'history'>,
): Promise<unknown> {
  if (f.before !== undefined && f.after !== undefined) {
    throw new SwitchboardError('SB_ERR_BAD_FRAME', 'give at most one of before, after');
  }
  const { id, floor } = await readableChannel(core, conn, f.channel);
  const limit = f.limit ?? 50;
  const store = core.opts.store;
  // Nothing at or below the member's floor: `after` starts there at the earliest, and a page
  // back that reaches it ends there (hasMore false).
  const query =
    f.after !== undefined
      ? { after: Math.max(f.after, floor), limit: limit + 1 }
      : { before: f.before, limit: limit + 1 };
  const [read, head] = await Promise.all([store.read(id, query), store.head(id)]);
  const rows = floor > 0 ? read.filter((m) => m.seq > floor) : read;
  const hasMore = rows.length > limit;
  const page = hasMore ? (f.after !== undefined ? rows.slice(0, limit) : rows.slice(1)) : rows;
  return {
    channel: id,
    messages: page.map((m) => ({ type: 'message', ...m })),
    firstSeq: Math.max(head?.firstSeq ?? 1, floor + 1),
    lastSeq: head?.lastSeq ?? 0,
    hasMore,
  };
}

async function typing(
  core: ChatCore,
  conn: ClientConnection,
  f: Frame<'typing'>,
): Promise<unknown> {
  const user = conn.user!;
  if (!conn.channels.has(f.channel)) throw new SwitchboardError('SB_ERR_CHANNEL_INVALID');
  core.channels
    .get(f.channel)
    ?.event(JSON.stringify({ type: 'typing', channel: f.channel, user }), conn);
  const parsed = parseChannel(f.channel);
  if (parsed?.kind === 'dm') {
    const other = parsed.users[0] === user ? parsed.users[1] : parsed.users[0];
    core.publish(userTopic(other), { k: 'typing', c: f.channel, u: user });
  } else {
    core.publish(channelTopic(f.channel), { k: 'typing', c: f.channel, u: user });
  }
  return {};
}

async function read(core: ChatCore, conn: ClientConnection, f: Frame<'read'>): Promise<unknown> {
  const user = conn.user!;
  const { id, floor } = await readableChannel(core, conn, f.channel);
  const seq = await core.opts.store.setReadSeq(id, user, f.seq);
  const ch = await core.channel(id);
  const state = channelState(ch, user, seq, floor);
  core.releaseIfIdle(ch);
  core.pushToUser(
    user,
    JSON.stringify({ type: 'read', channel: id, seq: state.readSeq, unread: state.unread }),
    conn,
  );
  core.publish(userTopic(user), { k: 'read', c: id, s: state.readSeq, n: state.unread });
  return state;
}

export const COMMANDS: { [T in Exclude<ClientFrame['type'], 'pong'>]: Handler<T> } = {
  hello,
  rooms: async (core) => ({ rooms: await core.opts.store.listRooms() }),
  create: async (core, conn, f) => {
    const id = roomChannel(roomName(f.room));
    const created = await core.opts.store.createChannel(id, 'room', conn.user!, core.now());
    if (!created) throw new SwitchboardError('SB_ERR_ROOM_EXISTS', `room exists: ${f.room}`);
    return joinRoom(core, conn, id);
  },
  join: async (core, conn, f) => joinRoom(core, conn, await requireRoom(core, f.room)),
  leave: async (core, conn, f) => {
    const id = await requireRoom(core, f.room);
    const user = conn.user!;
    if (!(await core.opts.store.removeMember(id, user)))
      throw new SwitchboardError('SB_ERR_NOT_A_MEMBER');
    core.memberEvent(f.room, user, false);
    core.unsubscribeUser(user, id);
    // The user's other devices are no longer subscribed, so they hear of it directly.
    core.pushToUser(
      user,
      JSON.stringify({ type: 'member', room: f.room, user, joined: false }),
      conn,
    );
    core.publish(userTopic(user), { k: 'membership', c: id, j: false });
    return {};
  },
  members: async (core, _conn, f) => {
    const id = await requireRoom(core, f.room);
    const members = await core.opts.store.members(id);
    return {
      members: members.map((user) => ({ user, connections: core.opts.presence.count(user) })),
    };
  },
  users: async (core) => ({
    users: [...core.opts.presence.list()].map(([user, connections]) => ({ user, connections })),
  }),
  send,
  history,
  typing,
  read,
  ping: async () => ({}),
};
