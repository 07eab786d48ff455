/**
 * Switchboard wire protocol, version 1: every frame as a zod schema.
 *
 * These definitions are the single source of truth: the server validates client frames with
 * them, the SDK derives its types from them and `npm run docs` generates the JSON Schema in
 * docs/protocol.schema.json from them. Imports nothing from Node.
 *
 * Framing: one WebSocket text message carries one or more JSON frames separated by "\n"
 * (server to client only; the server coalesces frames written in the same tick). JSON never
 * contains a raw newline, so splitting on "\n" is always safe. Clients send one frame per message.
 */
import { PREVIEW_LIMITS } from './link-preview.js';
import { z } from 'zod';

import { PROTOCOL_VERSION } from './channels.js';
import { MAX_MENTIONS } from './mentions.js';
import { NotifySettingsFrame, PushSubscribeFrame, PushUnsubscribeFrame } from './push-frames.js';
import { MAX_SEARCH_QUERY_LENGTH } from './search-query.js';

export * from './channels.js';
export * from './mentions.js';
export * from './push-frames.js';

const requestId = z
  .union([z.string().max(64), z.number().int().safe()])
  .describe('Client-chosen correlation id, echoed in the reply or error frame.');
const channel = z.string().max(100).describe('`room:<name>` or `dm:<a>:<b>` (a < b)');
const seq = z.number().int().min(0).safe();
const roomName = z.string().max(64).describe('Room name: 1-64 of a-z 0-9 _ -');
/** Files one message may carry (`send.attachments`). */
export const MAX_ATTACHMENTS = 10;
/** 8 KiB: room for a JWT with a few dozen claims; a bigger one is refused unparsed. */
export const MAX_JWT_LENGTH = 8192;
/** A room topic's bound in characters (code points), after trimming (SB_ERR_TOPIC_TOO_LONG). */
export const MAX_TOPIC_CHARS = 250;
const jwt = z.string().min(1).max(MAX_JWT_LENGTH).describe('Compact JWS, at most 8 KiB.');
const handle = z.string().max(32).describe('Handle: 1-32 of a-z 0-9 _ . - (case-folded)');

// ---------------------------------------------------------------------------------------------
// Client -> server
// ---------------------------------------------------------------------------------------------

export const ResumePosition = z.strictObject({
  channel,
  after: seq.describe('Last sequence number the client has seen in this channel.'),
});

export const HelloFrame = z
  .strictObject({
    type: z.literal('hello'),
    id: requestId,
    protocol: z.literal(PROTOCOL_VERSION).describe('Protocol version the client speaks.'),
    handle: handle.optional().describe('Handle to claim when no token is given.'),
    token: z.string().max(128).optional().describe('Session token from an earlier hello.'),
    jwt: jwt.optional().describe('A JWT from the operator’s identity provider (wins over token).'),
    resume: z
      .array(ResumePosition)
      .max(1000)
      .optional()
      .describe('Channels to replay from a position: missed messages first, then live.'),
    presence: z
      .boolean()
      .optional()
      .describe('Receive cluster-wide presence events (default true).'),
  })
  .describe(
    'First frame of every connection. Claims a handle, resumes a session or presents a JWT.',
  );

export const RefreshFrame = z
  .strictObject({ type: z.literal('refresh'), id: requestId, jwt })
  .describe(
    'Replace the JWT of an authenticated connection before it expires (same `sub` required). ' +
      'Channels and subscriptions stay as they are. Replied with RefreshResult.',
  );

export const RoomsFrame = z
  .strictObject({
    type: z.literal('rooms'),
    id: requestId,
    archived: z
      .boolean()
      .optional()
      .describe('true: list the archived rooms only; absent or false: the open ones.'),
  })
  .describe('List the rooms you can see.');

export const RoomKind = z
  .enum(['public', 'private', 'announcement'])
  .describe(
    'public: listed, anyone joins; private: invite only, does not exist for non-members; ' +
      'announcement: everyone reads, only moderators and above post.',
  );
export const RoomRole = z
  .enum(['owner', 'admin', 'moderator', 'member'])
  .describe('A member\u2019s role in a room, highest first.');
export type RoomKind = z.infer<typeof RoomKind>;
export type RoomRole = z.infer<typeof RoomRole>;
const duration = z
  .number()
  .int()
  .min(1)
  .max(10 * 365 * 86_400)
  .describe('Seconds until it ends by itself; absent: until lifted.');
const reason = z.string().max(500).describe('Why; kept in the audit log.');

export const CreateFrame = z
  .strictObject({
    type: z.literal('create'),
    id: requestId,
    room: roomName,
    kind: RoomKind.optional().describe('Default public.'),
  })
  .describe('Create a room and join it as its owner.');

export const JoinFrame = z
  .strictObject({ type: z.literal('join'), id: requestId, room: roomName })
  .describe('Join an existing room; membership persists across sessions.');

export const LeaveFrame = z
  .strictObject({ type: z.literal('leave'), id: requestId, room: roomName })
  .describe('Leave a room.');

/** The most members one `members` page holds (and its default size). */
export const MEMBERS_PAGE_MAX = 1000;

export const MembersFrame = z
  .strictObject({
    type: z.literal('members'),
    id: requestId,
    room: roomName,
    limit: z
      .number()
      .int()
      .min(1)
      .max(MEMBERS_PAGE_MAX)
      .optional()
      .describe(`Members per page (default and most: ${MEMBERS_PAGE_MAX}).`),
    after: handle
      .optional()
      .describe('The `next` of the previous page: the members after this handle.'),
  })
  .describe(
    'List the members of a room, one page in handle order, with their roles, mutes and online ' +
      'connection counts, and the room\u2019s kind and member count (MembersResult).',
  );

export const UsersFrame = z
  .strictObject({ type: z.literal('users'), id: requestId })
  .describe('List online users with their connection counts.');

export const SendFrame = z
  .strictObject({
    type: z.literal('send'),
    id: requestId,
    room: roomName.optional().describe('Target room (exactly one of room, to).'),
    to: handle.optional().describe('Target user for a direct message.'),
    text: z
      .string()
      .describe(
        `UTF-8 text, at most maxMessageBytes bytes. \`@handle\`, \`@room\` and \`@here\` in it ` +
          `are mentions (at most ${MAX_MENTIONS} different ones; see \`message.mentions\`).`,
      ),
    cid: z
      .string()
      .min(1)
      .max(64)
      .describe('Client message id; a retried send with the same cid is not stored twice.'),
    replyTo: seq
      .optional()
      .describe(
        'The message this one answers (quotes), by seq in the same channel and the same ' +
          'conversation: with `thread`, the root or a message of that thread; without, a ' +
          'message of the main timeline.',
      ),
    thread: seq
      .optional()
      .describe(
        'Post in the thread under this root: a live top-level message of the same channel ' +
          '(not itself in a thread, not an event, not deleted), by seq.',
      ),
    alsoToRoom: z
      .boolean()
      .optional()
      .describe('With `thread`: show the message in the room\u2019s main timeline too.'),
    attachments: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(MAX_ATTACHMENTS)
      .optional()
      .describe(
        `Upload ids (POST /api/v1/uploads) to attach, at most ${MAX_ATTACHMENTS}: the sender\u2019s ` +
          'own uploads to this same channel, not attached to another message. With attachments ' +
          'the text may be empty.',
      ),
  })
  .describe('Send a room message or a direct message. Idempotent per (channel, sender, cid).');

export const HistoryFrame = z
  .strictObject({
    type: z.literal('history'),
    id: requestId,
    channel,
    before: seq.optional().describe('Return messages with seq < before (scroll back).'),
    after: seq.optional().describe('Return messages with seq > after (catch up).'),
    limit: z.number().int().min(1).max(500).optional().describe('Page size, default 50.'),
    thread: seq
      .optional()
      .describe(
        'Read the thread under this root instead of the main timeline (the reply has the root).',
      ),
  })
  .describe(
    'Read a page of stored messages, oldest first: the main timeline (thread messages only when ' +
      'sent `alsoToRoom`), or one thread.',
  );

export const TypingFrame = z
  .strictObject({ type: z.literal('typing'), id: requestId, channel })
  .describe('Tell the other people in a channel that you are typing. Never stored.');

export const ReadFrame = z
  .strictObject({
    type: z.literal('read'),
    id: requestId,
    channel,
    seq,
    thread: seq
      .optional()
      .describe(
        'Mark this followed thread (its root) read up to seq instead of the channel; ' +
          'replied with ThreadInfo. SB_ERR_THREAD_NOT_FOLLOWED when you do not follow it.',
      ),
  })
  .describe('Mark a channel read up to seq; shared by all of the user\u2019s devices.');

export const FollowFrame = z
  .strictObject({
    type: z.literal('follow'),
    id: requestId,
    channel,
    thread: seq.describe('The root of the thread, by seq.'),
  })
  .describe(
    'Follow a thread (its unread count, `thread` events on every device). The root\u2019s ' +
      'author and everyone who posts in a thread follow it already. Replied with ThreadInfo.',
  );

export const UnfollowFrame = z
  .strictObject({ type: z.literal('unfollow'), id: requestId, channel, thread: seq })
  .describe('Stop following a thread (until you post in it again). Replied with {}.');

export const ThreadsFrame = z
  .strictObject({
    type: z.literal('threads'),
    id: requestId,
    channel: channel.optional().describe('Only the threads of this channel.'),
  })
  .describe('List the threads you follow, with unread counts. Replied with ThreadsResult.');

export const ResumeFrame = z
  .strictObject({
    type: z.literal('resume'),
    id: requestId,
    channel,
    after: seq.describe('Last sequence number the client has seen in this channel.'),
  })
  .describe(
    'Replay one channel from a position, then live: after a replay that failed (an error frame ' +
      'naming the channel), or for a channel that appeared while the client was away. Missed ' +
      'messages come first, then the reply (SyncedResult), then live messages.',
  );

export const InviteFrame = z
  .strictObject({ type: z.literal('invite'), id: requestId, room: roomName, user: handle })
  .describe('Make a user a member of a room (the way into a private room); every device follows.');

export const KickFrame = z
  .strictObject({
    type: z.literal('kick'),
    id: requestId,
    room: roomName,
    user: handle,
    reason: reason.optional(),
  })
  .describe('Remove a member from a room: every device of theirs leaves its stream at once.');

export const BanFrame = z
  .strictObject({
    type: z.literal('ban'),
    id: requestId,
    room: roomName.optional().describe('Absent: a server-wide ban (server admins only).'),
    user: handle,
    duration: duration.optional(),
    reason: reason.optional(),
  })
  .describe(
    'Ban a user from a room (removed, cannot rejoin) or from the server (every connection ' +
      'closes with 4102 and hello is refused).',
  );

export const UnbanFrame = z
  .strictObject({
    type: z.literal('unban'),
    id: requestId,
    room: roomName.optional().describe('Absent: lift a server-wide ban.'),
    user: handle,
  })
  .describe('Lift a ban.');

export const MuteFrame = z
  .strictObject({
    type: z.literal('mute'),
    id: requestId,
    room: roomName,
    user: handle,
    duration: duration.optional(),
    reason: reason.optional(),
  })
  .describe('Stop a member from sending and typing in a room.');

export const UnmuteFrame = z
  .strictObject({ type: z.literal('unmute'), id: requestId, room: roomName, user: handle })
  .describe('Lift a mute.');

export const RoleFrame = z
  .strictObject({
    type: z.literal('role'),
    id: requestId,
    room: roomName,
    user: handle,
    role: RoomRole,
  })
  .describe('Change a member\u2019s role; both their role and the new one must be below yours.');

export const RoomSettingsFrame = z
  .strictObject({
    type: z.literal('room-settings'),
    id: requestId,
    room: roomName,
    kind: RoomKind.optional(),
    slowMode: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .optional()
      .describe('Seconds between a member\u2019s messages; 0 turns it off.'),
    topic: z
      .string()
      .max(4 * MAX_TOPIC_CHARS)
      .optional()
      .describe(
        `The room\u2019s topic, at most ${MAX_TOPIC_CHARS} characters after trimming ` +
          '(SB_ERR_TOPIC_TOO_LONG); empty clears it.',
      ),
  })
  .describe('Change a room\u2019s kind, slow mode or topic (room admins and above).');

export const ArchiveFrame = z
  .strictObject({ type: z.literal('archive'), id: requestId, room: roomName })
  .describe(
    'Archive a room (room admins and above): read-only until unarchived; history stays readable.',
  );

export const UnarchiveFrame = z
  .strictObject({ type: z.literal('unarchive'), id: requestId, room: roomName })
  .describe('Unarchive an archived room (room admins and above).');

export const BlockFrame = z
  .strictObject({ type: z.literal('block'), id: requestId, user: handle })
  .describe('Refuse direct messages from a user.');

export const UnblockFrame = z
  .strictObject({ type: z.literal('unblock'), id: requestId, user: handle })
  .describe('Accept direct messages from a user again.');

export const AuditFrame = z
  .strictObject({
    type: z.literal('audit'),
    id: requestId,
    room: roomName.optional().describe('Absent: the server-wide log (server admins only).'),
    before: z.number().int().min(1).safe().optional().describe('Entries with id < before.'),
    limit: z.number().int().min(1).max(500).optional().describe('Page size, default 50.'),
  })
  .describe('Read the moderation log of a room (its admins) or of the server, newest first.');

const clientId = z
  .string()
  .min(1)
  .max(64)
  .describe('Client id of this change; a retry with the same cid is not applied twice.');

export const EditFrame = z
  .strictObject({
    type: z.literal('edit'),
    id: requestId,
    channel,
    seq,
    text: z.string().describe('The new text, at most maxMessageBytes bytes.'),
    cid: clientId,
  })
  .describe(
    'Edit your own message (within --edit-window). Appends an edit event (a `message` with ' +
      '`edits`), replied like `send`.',
  );

export const ReactFrame = z
  .strictObject({
    type: z.literal('react'),
    id: requestId,
    channel,
    seq,
    emoji: z.string().max(64).describe('One emoji (a Unicode emoji sequence).'),
    on: z.boolean().optional().describe('false takes the reaction back; default true.'),
    cid: clientId,
  })
  .describe(
    'React to a message, or take the reaction back. Appends a reaction event (a `message` with ' +
      '`reacts` or `unreacts`), replied like `send`.',
  );

export const DeleteFrame = z
  .strictObject({ type: z.literal('delete'), id: requestId, channel, seq })
  .describe(
    'Delete a message: your own, or (moderators and above) anyone\u2019s in a room. Appends a ' +
      'delete event to the channel (a `message` with `deletes`), replied like `send`.',
  );

export const ReportFrame = z
  .strictObject({
    type: z.literal('report'),
    id: requestId,
    channel,
    seq: seq.describe('The reported message.'),
    reason: reason.optional(),
  })
  .describe(
    'Report a message to the room\u2019s moderators and the server admins (a DM: to the server ' +
      'admins). Recorded in the audit log.',
  );

export const ReportOutcome = z
  .enum(['resolved', 'dismissed'])
  .describe('resolved: acted on; dismissed: nothing to act on.');

export const ReportResolveFrame = z
  .strictObject({
    type: z.literal('report-resolve'),
    id: requestId,
    report: z.number().int().min(1).safe().describe('The report: its audit entry id.'),
    outcome: ReportOutcome,
    note: z.string().max(500).optional().describe('Kept in the audit log with the outcome.'),
  })
  .describe(
    'Close a report (moderators of its room and above; a DM\u2019s: server admins). Recorded ' +
      'in the audit log as `report-resolve`; a report is closed once (SB_ERR_REPORT_CLOSED).',
  );

export const ReportClosed = z
  .strictObject({
    report: z.number().int().min(1).describe('The report\u2019s audit entry id.'),
    state: ReportOutcome,
    by: handle.describe('Who closed it.'),
    ts: z.number().int().describe('When (ms since the epoch).'),
    note: z.string().optional(),
  })
  .describe('The `report-resolve` reply: how a report was closed.');
export type ReportClosed = z.infer<typeof ReportClosed>;

export const SearchFrame = z
  .strictObject({
    type: z.literal('search'),
    id: requestId,
    query: z
      .string()
      .max(4 * MAX_SEARCH_QUERY_LENGTH)
      .describe(
        `Words and "phrases" (all must occur; case- and accent-insensitive substrings) and the ` +
          `filters in:#room, in:@user, from:handle, before:YYYY-MM-DD, after:YYYY-MM-DD; at most ` +
          `${MAX_SEARCH_QUERY_LENGTH} characters (longer: SB_ERR_SEARCH_INVALID). See docs/search.md.`,
      ),
    limit: z.number().int().min(1).max(100).optional().describe('Hits per page, default 20.'),
    cursor: z.string().max(32).optional().describe('`cursor` of the previous page, for the next.'),
  })
  .describe(
    'Search the messages of the rooms you are in and your DMs, newest first. Replied with ' +
      'SearchResult.',
  );

export const ReceiptsFrame = z
  .strictObject({ type: z.literal('receipts'), id: requestId, channel })
  .describe(
    'Read receipts of a DM or a room of at most --receipts-max-members members (larger: ' +
      'SB_ERR_RECEIPTS_UNAVAILABLE): the read position of every other member who shares theirs. ' +
      'Replied with ReceiptsResult; changes follow live as `receipt` frames.',
  );

export const SettingsFrame = z
  .strictObject({
    type: z.literal('settings'),
    id: requestId,
    receipts: z
      .boolean()
      .optional()
      .describe(
        'Share your read position with the other members (default true). Off: yours is never ' +
          'shown, and you see no one else\u2019s.',
      ),
  })
  .describe(
    'Read or change your settings; kept by the server for every device (a `settings` frame tells ' +
      'the others). Replied with UserSettings.',
  );

export const VersionsFrame = z
  .strictObject({ type: z.literal('versions'), id: requestId, channel, seq })
  .describe(
    'Every text a room message has had, the original included (room moderators, admins, the ' +
      'owner and server admins). Replied with VersionsResult.',
  );

export const PingFrame = z
  .strictObject({ type: z.literal('ping'), id: requestId })
  .describe('Client-initiated round trip; replied with an empty result.');

export const PongFrame = z
  .strictObject({ type: z.literal('pong') })
  .describe('Answer to a server ping. The only client frame without a reply.');

export const ClientFrame = z.discriminatedUnion('type', [
  HelloFrame,
  RefreshFrame,
  RoomsFrame,
  CreateFrame,
  JoinFrame,
  LeaveFrame,
  MembersFrame,
  UsersFrame,
  SendFrame,
  HistoryFrame,
  TypingFrame,
  ReadFrame,
  FollowFrame,
  UnfollowFrame,
  ThreadsFrame,
  ResumeFrame,
  InviteFrame,
  KickFrame,
  BanFrame,
  UnbanFrame,
  MuteFrame,
  UnmuteFrame,
  RoleFrame,
  RoomSettingsFrame,
  ArchiveFrame,
  UnarchiveFrame,
  BlockFrame,
  UnblockFrame,
  AuditFrame,
  DeleteFrame,
  EditFrame,
  ReactFrame,
  ReportFrame,
  ReportResolveFrame,
  SearchFrame,
  ReceiptsFrame,
  SettingsFrame,
  VersionsFrame,
  PushSubscribeFrame,
  PushUnsubscribeFrame,
  NotifySettingsFrame,
  PingFrame,
  PongFrame,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];
export const CLIENT_FRAME_TYPES = ClientFrame.options.map((o) => o.shape.type.value);

// ---------------------------------------------------------------------------------------------
// Server -> client
// ---------------------------------------------------------------------------------------------

export const LinkPreviewSchema = z
  .strictObject({
    url: z.string().max(PREVIEW_LIMITS.url).describe('The page (after redirects), http(s).'),
    title: z.string().max(PREVIEW_LIMITS.title).optional(),
    description: z.string().max(PREVIEW_LIMITS.description).optional(),
    siteName: z.string().max(PREVIEW_LIMITS.siteName).optional(),
    image: z
      .string()
      .max(PREVIEW_LIMITS.image)
      .optional()
      .describe('The page\u2019s og:image URL; the bundled page does not load it.'),
  })
  .describe('The preview of a message\u2019s first link.');

export const Attachment = z
  .strictObject({
    id: z.string().describe('The upload id.'),
    name: z.string().describe('Sanitised file name (a base name, no control characters).'),
    type: z.string().describe('Media type sniffed from the bytes (never the client\u2019s word).'),
    size: z.number().int().min(0).describe('Bytes.'),
    width: z.number().int().optional().describe('Images: pixels across.'),
    height: z.number().int().optional().describe('Images: pixels down.'),
    thumb: z.literal(true).optional().describe('Images: a thumbnail exists (its link: thumbUrl).'),
  })
  .describe('A file attached to a message.');
export type Attachment = z.infer<typeof Attachment>;

export const ChatMessage = z
  .strictObject({
    type: z.literal('message'),
    channel,
    seq: seq.describe('Per-channel sequence number: gapless, increasing, assigned by the store.'),
    cid: z.string().describe('Client message id given by the sender.'),
    from: handle,
    text: z.string(),
    ts: z.number().int().describe('Server timestamp, milliseconds since the epoch.'),
    deletes: seq
      .optional()
      .describe(
        'Present on a delete event: the message with this seq was deleted (show a tombstone); ' +
          'this entry\u2019s text is empty and `from` is who deleted it.',
      ),
    replyTo: seq
      .optional()
      .describe('On a message: the earlier message of the channel it answers (quotes).'),
    thread: seq
      .optional()
      .describe(
        'On a message: it is in the thread under this root (by seq). Without `alsoToRoom` it ' +
          'belongs to the thread view only, not the main timeline.',
      ),
    alsoToRoom: z
      .literal(true)
      .optional()
      .describe('On a thread message: the main timeline shows it too.'),
    replies: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('In `history` only, on a thread root: how many live messages its thread has.'),
    lastReply: z
      .number()
      .int()
      .optional()
      .describe('In `history` only, on a thread root: when its newest thread message was sent.'),
    edits: seq
      .optional()
      .describe(
        'Present on an edit event: the message with this seq now reads `text` (edited at `ts`).',
      ),
    reacts: seq
      .optional()
      .describe('Present on a reaction event: `from` reacted with `emoji` to this seq.'),
    unreacts: seq
      .optional()
      .describe('Present on a reaction event: `from` took back the reaction `emoji` on this seq.'),
    emoji: z.string().optional().describe('The reaction of `reacts` / `unreacts`.'),
    mentions: z
      .array(handle)
      .optional()
      .describe(
        'On a message or an edit event: the members its text mentions by handle (`@handle`), ' +
          'the sender and users who block the sender left out; absent: none.',
      ),
    mentionsAll: z
      .enum(['room', 'here'])
      .optional()
      .describe('On a message or an edit event: its text mentions everyone (`@room` / `@here`).'),
    previews: seq
      .optional()
      .describe(
        'Present on a link-preview event (--link-previews): the message with this seq now shows ' +
          '`preview`; `from` is its author, `text` is empty.',
      ),
    preview: LinkPreviewSchema.optional().describe(
      'On a link-preview event, and on a message in `history`: the preview of its first link.',
    ),
    edited: z
      .number()
      .int()
      .optional()
      .describe('On a message: when its text was last edited (ms since the epoch).'),
    deleted: z
      .literal(true)
      .optional()
      .describe('On a message: it was deleted; its text is gone (a tombstone).'),
    attachments: z
      .array(Attachment)
      .optional()
      .describe(
        'On a message: its files (get a link with GET /api/v1/uploads/{id}/link); gone once the ' +
          'message is deleted.',
      ),
    reactions: z
      .array(
        z.strictObject({
          emoji: z.string(),
          count: z.number().int().min(1),
          me: z.boolean().describe('Whether you reacted so.'),
          users: z.array(handle).describe('The first three who reacted so, earliest first.'),
        }),
      )
      .optional()
      .describe('In `history` only: the message\u2019s reactions now; absent: none.'),
  })
  .describe(
    'A stored room or direct message, or an event on an earlier message of the channel: a ' +
      'delete (`deletes`), an edit (`edits`), a reaction (`reacts`/`unreacts`) or a link ' +
      'preview (`previews`). Events have ' +
      'seqs of their own and are replayed by resume like messages; `history` gives messages in ' +
      'their current state and no events.',
  );
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ChannelState = z.strictObject({
  channel,
  kind: z.enum(['room', 'dm']),
  name: z.string().describe('Room name, or the other participant of a DM.'),
  lastSeq: seq,
  readSeq: seq,
  unread: z.number().int().min(0),
  mentions: z
    .number()
    .int()
    .min(0)
    .describe(
      'Unread messages that mention you (by handle, `@room` or `@here`): after readSeq, counted ' +
        'like unread, the same on every device.',
    ),
  firstSeq: seq.describe('Oldest retained sequence number (lastSeq + 1 when empty).'),
  topic: z
    .string()
    .optional()
    .describe(
      "A room\u2019s topic, '' when none: in HelloResult, the join/create reply and `channel` " +
        'frames (on every node); absent where not said (DMs, `read` replies, a `channel` frame ' +
        'relayed from an older node): keep what you knew.',
    ),
  archived: z
    .boolean()
    .optional()
    .describe(
      'A room is archived (read-only): present exactly where `topic` is; then follow `room` events.',
    ),
});
export type ChannelState = z.infer<typeof ChannelState>;

export const UserSettings = z
  .strictObject({
    receipts: z.boolean().describe('Whether you share read receipts (and see others\u2019).'),
  })
  .describe('Your settings (the `settings` reply, and in HelloResult).');
export type UserSettings = z.infer<typeof UserSettings>;

export const Receipt = z.strictObject({
  user: handle,
  seq: seq.describe('Their read position: they have seen every message up to it.'),
});
export type Receipt = z.infer<typeof Receipt>;

export const ReceiptsResult = z
  .strictObject({
    channel,
    receipts: z
      .array(Receipt)
      .describe('Every other member who shares read receipts, by handle; empty when `off`.'),
    off: z.literal(true).optional().describe('Your own receipts are off: you see no one\u2019s.'),
  })
  .describe('The `receipts` reply.');
export type ReceiptsResult = z.infer<typeof ReceiptsResult>;

export const OnlineUser = z.strictObject({
  user: handle,
  connections: z.number().int().min(0),
});
export type OnlineUser = z.infer<typeof OnlineUser>;

export const HelloResult = z.strictObject({
  user: handle,
  name: z
    .string()
    .optional()
    .describe('Your display name (an account\u2019s, or a JWT\u2019s `name`); absent: none set.'),
  token: z
    .string()
    .optional()
    .describe('Session token for the next hello; absent when the server keeps none (JWT).'),
  expiresAt: z
    .number()
    .int()
    .describe('When the session or JWT expires (ms); a JWT connection closes then (4004).'),
  protocol: z.literal(PROTOCOL_VERSION),
  pingInterval: z.number().int().describe('Server sends a ping at least this often (ms).'),
  maxMessageBytes: z.number().int(),
  rateLimit: z
    .number()
    .describe('Sustained client frames per second this connection may send (pace retries by it).'),
  rateBurst: z.number().int().describe('Frames the connection may send at once above the rate.'),
  channels: z.array(ChannelState).describe('Rooms the user is a member of, and DMs.'),
  settings: UserSettings,
  online: z.array(OnlineUser),
});
export type HelloResult = z.infer<typeof HelloResult>;

export const RefreshResult = z
  .strictObject({ expiresAt: z.number().int().describe('The new JWT’s expiry (ms).') })
  .describe('The `refresh` reply.');
export type RefreshResult = z.infer<typeof RefreshResult>;

export const RoomInfo = z.strictObject({
  room: roomName,
  members: z.number().int().min(0),
  lastSeq: seq,
  topic: z.string().optional().describe('Absent when none.'),
  archived: z.literal(true).optional().describe('Present when archived (read-only).'),
});
export type RoomInfo = z.infer<typeof RoomInfo>;

export const MemberInfo = z.strictObject({
  user: handle,
  connections: z.number().int().min(0),
  role: RoomRole,
  muted: z.boolean().optional().describe('Present (true) while a mute holds.'),
});
export type MemberInfo = z.infer<typeof MemberInfo>;

export const MembersResult = z
  .strictObject({
    kind: RoomKind,
    members: z.array(MemberInfo),
    count: z.number().int().min(0).describe('Members of the room in all.'),
    next: handle
      .optional()
      .describe('Present when more members follow: pass it as `after` for the next page.'),
  })
  .describe(
    'The `members` reply: the room\u2019s kind and one page of its members with their roles.',
  );
export type MembersResult = z.infer<typeof MembersResult>;

export const SendResult = z.strictObject({
  message: ChatMessage,
  duplicate: z.boolean().describe('True when this cid was already stored: nothing new was sent.'),
});
export type SendResult = z.infer<typeof SendResult>;

export const SyncedResult = z
  .strictObject({
    channel,
    seq: seq.describe('Last sequence number replayed; live messages follow.'),
    truncated: z
      .boolean()
      .describe('True when messages after the resume position were no longer retained.'),
    firstSeq: seq.describe('Oldest retained sequence number.'),
  })
  .describe('How a replay ended (the `resume` reply; the same fields as `synced`).');
export type SyncedResult = z.infer<typeof SyncedResult>;

export const HistoryResult = z.strictObject({
  channel,
  root: ChatMessage.optional().describe(
    'With `thread`: the root in its current state (a tombstone when deleted).',
  ),
  messages: z.array(ChatMessage),
  firstSeq: seq,
  lastSeq: seq,
  hasMore: z.boolean().describe('More messages exist beyond this page in the asked direction.'),
});
export type HistoryResult = z.infer<typeof HistoryResult>;

export const ThreadInfo = z
  .strictObject({
    channel,
    root: seq,
    readSeq: seq.describe('You have read the thread up to this seq of the channel.'),
    unread: z.number().int().min(0).describe('Live thread messages after readSeq (capped).'),
    replies: z.number().int().min(0),
    lastReply: z.number().int().optional().describe('When its newest live message was sent.'),
    lastSeq: seq.optional().describe('The seq of its newest live message.'),
  })
  .describe('A thread you follow.');
export type ThreadInfo = z.infer<typeof ThreadInfo>;

export const ThreadsResult = z
  .strictObject({ threads: z.array(ThreadInfo).describe('By channel, then root.') })
  .describe('The `threads` reply.');
export type ThreadsResult = z.infer<typeof ThreadsResult>;

export const AuditEntry = z.strictObject({
  id: z.number().int().min(1),
  room: roomName.optional().describe('Absent for a server-wide act.'),
  ts: z.number().int(),
  actor: handle,
  action: z
    .string()
    .describe(
      'The command: invite, kick, ban, unban, mute, unmute, role, room-settings, archive, unarchive, delete (another\u2019s message), report, report-resolve.',
    ),
  target: handle.optional(),
  detail: z.record(z.string(), z.unknown()).optional().describe('The act\u2019s arguments.'),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const SearchHit = z
  .strictObject({
    channel,
    seq,
    from: handle,
    ts: z.number().int().describe('Server timestamp, milliseconds since the epoch.'),
    text: z.string().describe('The message\u2019s current text.'),
    highlights: z
      .array(z.tuple([z.number().int().min(0), z.number().int().min(0)]))
      .describe('Where the words and phrases occur: sorted [start, end) UTF-16 offsets in text.'),
  })
  .describe('A message that matches a search.');
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResult = z
  .strictObject({
    hits: z.array(SearchHit).describe('Newest first.'),
    cursor: z
      .string()
      .optional()
      .describe('Send it back in `search` for the next page; absent on the last page.'),
  })
  .describe('The `search` reply.');
export type SearchResult = z.infer<typeof SearchResult>;

export const VersionsResult = z
  .strictObject({
    versions: z
      .array(
        z.strictObject({
          text: z.string(),
          ts: z
            .number()
            .int()
            .describe('When the message was sent (the first) or edited to this text.'),
        }),
      )
      .describe('Oldest first: the original text, then each edit; the last is the current text.'),
  })
  .describe('The `versions` reply.');
export type VersionsResult = z.infer<typeof VersionsResult>;

export const ReplyFrame = z
  .strictObject({
    type: z.literal('reply'),
    id: requestId,
    data: z
      .unknown()
      .describe(
        'Result: HelloResult, {rooms: RoomInfo[]}, ChannelState (create/join), {} (leave, ' +
          'typing, ping), MembersResult (members), {users: OnlineUser[]}, SendResult, ' +
          'HistoryResult, ChannelState (read; ThreadInfo with `thread`), ThreadInfo (follow), ' +
          'ThreadsResult (threads), {} (unfollow), SyncedResult (resume), RefreshResult (refresh), ' +
          '{entries: AuditEntry[]} (audit), SearchResult (search), ReceiptsResult (receipts), ' +
          'UserSettings (settings), VersionsResult (versions), ReportClosed (report-resolve), ' +
          '{} (moderation commands, ' +
          'push-subscribe), {removed} (push-unsubscribe), NotifySettings (notify-settings).',
      ),
  })
  .describe('Successful result of the client frame with the same id.');

export const ErrorFrame = z
  .strictObject({
    type: z.literal('error'),
    id: requestId.optional().describe('Absent when the frame had no readable id.'),
    code: z.string().describe('Stable error code, see docs/errors.md.'),
    message: z.string(),
    retryable: z.boolean(),
    retryAfter: z.number().int().optional().describe('Milliseconds to wait before retrying.'),
    channel: channel
      .optional()
      .describe(
        'The channel an unsolicited error is about: it is not replayed nor subscribed. ' +
          'Retryable: its replay failed; send `resume` for it (with backoff) to get it back. ' +
          'Final: a resumed channel that is no longer yours (the code says why).',
      ),
  })
  .describe('A coded error, in reply to a client frame or unsolicited.');

export const SyncedFrame = SyncedResult.extend({ type: z.literal('synced') }).describe(
  'End of the replay of a resumed channel; live messages follow without a gap.',
);

export const PresenceFrame = z
  .strictObject({
    type: z.literal('presence'),
    users: z.array(OnlineUser).describe('Changed users; connections 0 means offline.'),
  })
  .describe('Cluster-wide presence changes, coalesced.');

export const MemberEventFrame = z
  .strictObject({
    type: z.literal('member'),
    room: roomName,
    user: handle,
    joined: z.boolean().describe('true: joined; false: left.'),
    removed: z
      .enum(['kick', 'ban'])
      .optional()
      .describe('To the removed user\u2019s own devices only: they were kicked or banned.'),
  })
  .describe(
    'Someone joined or left a room you are in. With your own handle and joined false: you left ' +
      'it on another device, or were kicked or banned (`removed`).',
  );

export const RoomPresenceFrame = z
  .strictObject({
    type: z.literal('room-presence'),
    room: roomName,
    members: z.number().int().min(0).describe('Members of the room, cluster-wide.'),
    online: z.number().int().min(0).describe('Members with at least one connection, cluster-wide.'),
    joined: z
      .array(handle)
      .optional()
      .describe('Who joined since the last frame (rooms of at most --member-events-limit).'),
    left: z
      .array(handle)
      .optional()
      .describe('Who left since the last frame (rooms of at most --member-events-limit).'),
  })
  .describe(
    'A room’s member and online counts, to the room’s subscribers: at most one a ' +
      'second per room, only when they changed (joins, leaves, members coming online or going ' +
      'offline on any node). The `member` events still go to rooms of at most ' +
      '--member-events-limit members.',
  );

export const TypingEventFrame = z
  .strictObject({ type: z.literal('typing'), channel, user: handle })
  .describe('Someone is typing in a channel. Clients expire it after ~5 s.');

export const ReadEventFrame = z
  .strictObject({
    type: z.literal('read'),
    channel,
    seq,
    unread: z.number().int().min(0),
    mentions: z.number().int().min(0).describe('Unread mentions of you (ChannelState.mentions).'),
    thread: seq.optional().describe('The position is that of the thread under this root.'),
  })
  .describe('Your read position moved on another of your devices.');

export const ThreadEventFrame = z
  .strictObject({
    type: z.literal('thread'),
    channel,
    root: seq,
    seq: seq.describe('The new thread message.'),
    from: handle,
    ts: z.number().int(),
    unread: z.number().int().min(0).describe('Your unread count in the thread now (capped).'),
  })
  .describe(
    'A thread you follow got a message: sent to every device of every follower, on every node ' +
      '(the message itself comes on the channel like any other).',
  );

export const ChannelEventFrame = ChannelState.extend({ type: z.literal('channel') }).describe(
  'You gained a channel on another of your devices (room joined or created): its state. ' +
    'Live messages of the channel follow.',
);

export const ExpiringFrame = z
  .strictObject({
    type: z.literal('expiring'),
    expiresAt: z.number().int().describe('When the connection’s JWT expires (ms).'),
  })
  .describe(
    'The connection’s JWT expires soon: send `refresh` with a fresh one before expiresAt, or ' +
      'the server closes the connection with 4004 (SB_ERR_JWT_EXPIRED).',
  );
export const ReportEventFrame = z
  .strictObject({
    type: z.literal('report'),
    channel,
    seq,
    from: handle.describe('Who sent the reported message.'),
    text: z.string().describe('The reported message\u2019s text.'),
    reporter: handle,
    reason: z.string().optional(),
    ts: z.number().int().describe('When it was reported (ms since the epoch).'),
  })
  .describe(
    'A message was reported: sent to the connections of the room\u2019s moderators and above ' +
      'that receive the room, and to every server admin.',
  );
export type ReportEvent = Omit<z.infer<typeof ReportEventFrame>, 'type'>;

export const RoomEventFrame = z
  .strictObject({
    type: z.literal('room'),
    room: roomName,
    kind: RoomKind.optional(),
    slowMode: z.number().int().min(0).optional(),
    topic: z.string().optional().describe('The new topic; empty: cleared.'),
    archived: z.boolean().optional().describe('Archived (true) or unarchived (false).'),
  })
  .describe(
    'A room you are in changed (`room-settings`, `archive`, `unarchive`, on any node): only ' +
      'what changed is present.',
  );
export type RoomEvent = Omit<z.infer<typeof RoomEventFrame>, 'type'>;

export const RoleEventFrame = z
  .strictObject({ type: z.literal('role'), room: roomName, user: handle, role: RoomRole })
  .describe('A member\u2019s role in a room you are in changed (on any node).');
export type RoleEvent = Omit<z.infer<typeof RoleEventFrame>, 'type'>;

export const ModeratedEventFrame = z
  .strictObject({
    type: z.literal('moderated'),
    action: z
      .enum(['kick', 'ban', 'unban', 'mute', 'unmute', 'role'])
      .describe('What was done to you.'),
    room: roomName,
    until: z
      .number()
      .int()
      .optional()
      .describe('When a timed ban or mute ends (ms since the epoch); absent: until lifted.'),
    reason: z.string().optional(),
    role: RoomRole.optional().describe('Your new role (action role).'),
  })
  .describe(
    'A moderator acted on you in a room: sent to every device of yours on every node, before ' +
      'its effect (a kick or ban is followed by `member … joined:false`). Who acted is not said; ' +
      'room admins read it in the audit log.',
  );
export type ModeratedEvent = Omit<z.infer<typeof ModeratedEventFrame>, 'type'>;

export const MentionEventFrame = z
  .strictObject({
    type: z.literal('mention'),
    channel,
    seq: seq.describe('The message that mentions you (an edited one keeps its seq).'),
    from: handle,
    all: z
      .enum(['room', 'here'])
      .optional()
      .describe('Present for `@room` / `@here`: sent to everyone receiving the channel.'),
  })
  .describe(
    'Someone mentioned you: sent to every device of yours on every node (`@room` / `@here`: to ' +
      'every connection receiving the channel; the sender ignores their own). An edit that adds ' +
      'you sends one too. The message itself arrives as usual.',
  );

export const ReceiptEventFrame = z
  .strictObject({ type: z.literal('receipt'), channel, user: handle, seq })
  .describe(
    'A member\u2019s read position moved (read receipts): at most one per member and channel ' +
      'a second, to the channel\u2019s other members who share receipts, in DMs and rooms of ' +
      'at most --receipts-max-members members.',
  );

export const SettingsEventFrame = UserSettings.extend({ type: z.literal('settings') }).describe(
  'Your settings changed on another of your devices.',
);

export const ServerPingFrame = z
  .strictObject({ type: z.literal('ping') })
  .describe('Liveness probe; answer with {"type":"pong"}.');

export const ServerFrame = z.discriminatedUnion('type', [
  ReplyFrame,
  ErrorFrame,
  ChatMessage,
  SyncedFrame,
  PresenceFrame,
  MemberEventFrame,
  RoomPresenceFrame,
  TypingEventFrame,
  ReadEventFrame,
  ThreadEventFrame,
  ChannelEventFrame,
  ExpiringFrame,
  ReportEventFrame,
  RoomEventFrame,
  RoleEventFrame,
  ModeratedEventFrame,
  MentionEventFrame,
  ReceiptEventFrame,
  SettingsEventFrame,
  ServerPingFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
