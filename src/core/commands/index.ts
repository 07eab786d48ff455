/**
 * Every command, by client frame type. Adding a command: its frame in src/protocol/frames.ts,
 * its handler in a file here, and its line in this table.
 */
import type { CommandType, Handler } from './context.js';
import { deleteMessage } from './delete.js';
import { hello } from './hello.js';
import { edit, react } from './message-events.js';
import { create, join, leave, members, rooms, users } from './rooms.js';
import { receipts, settings } from './receipts.js';
import { notifySettings, pushSubscribe, pushUnsubscribe } from './push.js';
import { refresh } from './refresh.js';
import { report } from './report.js';
import { reportResolve } from './report-resolve.js';
import { search } from './search.js';
import { send } from './send.js';
import { versions } from './versions.js';
import { follow, threads, unfollow } from './threads.js';
import { history, read, resume, typing } from './channel-commands.js';
import {
  archive,
  audit,
  ban,
  block,
  invite,
  kick,
  mute,
  role,
  roomSettings,
  unarchive,
  unban,
  unblock,
  unmute,
} from './moderation.js';

export type { CommandContext, CommandLimits } from './context.js';

export const COMMANDS: { [T in CommandType]: Handler<T> } = {
  hello,
  refresh,
  rooms,
  create,
  join,
  leave,
  members,
  users,
  send,
  history,
  typing,
  read,
  follow,
  unfollow,
  threads,
  resume,
  invite,
  kick,
  ban,
  unban,
  mute,
  unmute,
  role,
  'room-settings': roomSettings,
  archive,
  unarchive,
  block,
  unblock,
  audit,
  report,
  'report-resolve': reportResolve,
  delete: deleteMessage,
  edit,
  react,
  search,
  receipts,
  settings,
  versions,
  'push-subscribe': pushSubscribe,
  'push-unsubscribe': pushUnsubscribe,
  'notify-settings': notifySettings,
  ping: async () => ({}),
};
