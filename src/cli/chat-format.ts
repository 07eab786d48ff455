/**
 * How `switchboard chat` prints server-supplied text. Everything from the network goes through
 * `clean` first: ANSI escapes and control characters could otherwise move the cursor, rewrite
 * earlier lines, set the window title or forge a line from someone else (terminal injection).
 */
import { parseChannel, type ChatMessage } from '../protocol/index.js';

// ESC-introduced sequences (CSI, OSC, DCS, SOS/PM/APC with their terminators, and 2-byte
// escapes), their 8-bit C1 forms, then any remaining C0/C1 control except \n and \t. Bidi
// overrides are dropped too: they can make text read differently from its bytes.
/* eslint-disable no-control-regex -- matching control characters is the point */
const ESCAPES =
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])|[\u009b][0-?]*[ -/]*[@-~]|[\u009d\u0090\u0098\u009e\u009f][^\u0007\u009c]*[\u0007\u009c]?/g;
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

/** Printable form of untrusted text: no escapes or controls; continuation lines are indented. */
export function clean(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROLS, '').replace(/\n/g, '\n    ');
}

export function shortTime(ts: number): string {
  const d = new Date(ts);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** What an entry's body reads: its text, or what an event did to message #seq. */
function body(m: ChatMessage): string {
  if (m.deletes !== undefined) return `(deleted #${m.deletes})`;
  if (m.edits !== undefined) return `(edited #${m.edits}) ${clean(m.text)}`;
  if (m.reacts !== undefined) return `(reacted ${clean(m.emoji ?? '')} to #${m.reacts})`;
  if (m.unreacts !== undefined) return `(took back ${clean(m.emoji ?? '')} on #${m.unreacts})`;
  if (m.deleted) return '(deleted)';
  return m.edited === undefined ? clean(m.text) : `${clean(m.text)} (edited)`;
}

/**
 * `12:04 [general] alice: hi`, `12:04 [dm alice] hi`, or `12:04 [dm to bob] hi` for our own DM;
 * an event reads as what it did, e.g. `12:05 [general] alice: (edited #3) hello`.
 */
export function formatMessage(m: ChatMessage, me: string | null): string {
  const time = shortTime(m.ts);
  const text = body(m);
  const parsed = parseChannel(m.channel);
  if (parsed?.kind === 'dm') {
    if (m.from === me) {
      const other = parsed.users[0] === me ? parsed.users[1] : parsed.users[0];
      return `${time} [dm to ${clean(other)}] ${text}`;
    }
    return `${time} [dm ${clean(m.from)}] ${text}`;
  }
  const room = parsed?.kind === 'room' ? parsed.room : m.channel;
  return `${time} [${clean(room)}] ${clean(m.from)}: ${text}`;
}

export const HELP = `Commands:
  /join <room>         join a room and switch to it
  /create <room>       create a room and switch to it
  /leave [room]        leave a room (default: the current one)
  /switch <room|@user> make a room (or a DM) the current channel
  /rooms               list rooms
  /users               list online users
  /members             list members of the current room
  /dm <user> <text>    send a direct message
  /history [n]         show the last n messages of the current channel (default 20)
  /help                this list
  /quit                leave the chat
Any other line is sent to the current channel.`;
