/** Switchboard client SDK for browsers and Node. */
export { SwitchboardClient } from './client.js';
export { Emitter, type Listener } from './emitter.js';
export { isPendingSend } from './outbox.js';
export type {
  ClientEvents,
  ClientOptions,
  ClientState,
  ClosedEvent,
  CommandFrame,
  DeleteEvent,
  EditEvent,
  LinkPreview,
  PreviewEvent,
  ReactionEvent,
  HistoryOptions,
  MemberEvent,
  MemberInfo,
  MembersPage,
  MentionEvent,
  ReceiptEvent,
  PendingSend,
  ReconnectOptions,
  ResumePosition,
  RoomPresenceEvent,
  SendOptions,
  SendTarget,
  SyncedEvent,
  SyncingEvent,
  ThreadEvent,
  WebSocketCtor,
  WebSocketLike,
} from './types.js';
// Runtime values come from zod-free modules so a browser bundle does not carry the schemas.
export * from '../protocol/channels.js';
export * from '../protocol/close-codes.js';
export * from '../protocol/mentions.js';
export { mentionsMe } from './channel-book.js';
export { ERRORS, ERROR_CODES, SwitchboardError, isErrorCode } from '../errors.js';
export type { ErrorCode, ErrorSpec } from '../errors.js';
export type * from '../protocol/frames.js';
