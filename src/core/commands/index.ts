/**
 * Every command, by client frame type. Adding a command: its frame in src/protocol/frames.ts,
 * its handler in a file here, and its line in this table.
 */
import type { CommandType, Handler } from './context.js';
import { hello } from './hello.js';
import { create, join, leave, members, rooms, users } from './rooms.js';
import { refresh } from './refresh.js';
import { send } from './send.js';
import { history, read, resume, typing } from './channel-commands.js';

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
  resume,
  ping: async () => ({}),
};
