/**
 * How `switchboard chat` prints server-supplied text. Everything from the network goes through
 * `clean` first: ANSI escapes and control characters could otherwise move the cursor, rewrite
 * earlier lines, set the window title or forge a line from someone else (terminal injection).
 */
import { mentionsMe } from '../client/channel-book.js';
import { highlightPieces } from '../client/search.js';
import type { DeleteEvent, EditEvent, ReactionEvent } from '../client/types.js';
import { mentionSpans } from '../protocol/mentions.js';
import {
  dmPeer,
  parseChannel,
  type ChannelState,
  type ChatMessage,
  type RoomEvent,
  type SearchHit,
} from '../protocol/index.js';

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

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function shortTime(ts: number): string {
  const d = new Date(ts);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * `text` cleaned, with the mentions of `me` (and `@room` / `@here`) marked when the server says
 * the message mentions me. Cleaned piece by piece, so a mark never lands inside an escape.
 */
function marked(m: ChatMessage, me: string | null, style: MarkStyle): string {
  if (!mentionsMe(m, me)) return clean(m.text);
  const [open, close] = MARKS[style];
  let out = '';
  let last = 0;
  for (const s of mentionSpans(m.text)) {
    if (s.name !== me && s.name !== 'room' && s.name !== 'here') continue;
    out += `${clean(m.text.slice(last, s.start))}${open}${clean(m.text.slice(s.start, s.end))}${close}`;
    last = s.end;
  }
  return out + clean(m.text.slice(last));
}

/**
 * How marked text stands out (search hits, mentions of me): bold on a terminal, brackets in a
 * pipe or file.
 */
export type MarkStyle = 'bold' | 'brackets';

const MARKS: Record<MarkStyle, [string, string]> = {
  bold: ['\u001b[1m', '\u001b[22m'],
  brackets: ['[', ']'],
};

/** What an entry's body reads: its text, or what an event did to message #seq. */
function body(m: ChatMessage, me: string | null, style: MarkStyle): string {
  if (m.deletes !== undefined) return `(deleted #${m.deletes})`;
  if (m.edits !== undefined) return `(edited #${m.edits}) ${clean(m.text)}`;
  if (m.reacts !== undefined) return `(reacted ${clean(m.emoji ?? '')} to #${m.reacts})`;
  if (m.unreacts !== undefined) return `(took back ${clean(m.emoji ?? '')} on #${m.unreacts})`;
  if (m.deleted) return '(deleted)';
  const edited = m.edited === undefined ? marked(m, me, style) : `${marked(m, me, style)} (edited)`;
  const files = (m.attachments ?? []).map((a) => `[file ${clean(a.name)}, ${fileSize(a.size)}]`);
  const body = [edited, ...files].filter(Boolean).join(' ');
  const text = m.replyTo === undefined ? body : `(reply to #${m.replyTo}) ${body}`;
  const replies =
    m.replies === undefined ? '' : ` (${m.replies} ${m.replies === 1 ? 'reply' : 'replies'})`;
  return m.thread === undefined ? `${text}${replies}` : `(thread #${m.thread}) ${text}`;
}

/** `512 B`, `12.3 KB`, `4.5 MB`. */
export function fileSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** `[general] alice:`, `[dm alice]`, or `[dm to bob]` for our own DM: where and who, cleaned. */
function place(channel: string, from: string, me: string | null): string {
  const parsed = parseChannel(channel);
  if (parsed?.kind === 'dm') {
    if (from === me) {
      const other = dmPeer(parsed.users, me);
      return `[dm to ${clean(other)}]`;
    }
    return `[dm ${clean(from)}]`;
  }
  const room = parsed?.kind === 'room' ? parsed.room : channel;
  return `[${clean(room)}] ${clean(from)}:`;
}

/**
 * `12:04 #7 [general] alice: hi`, `12:04 #8 [dm alice] hi`, or `12:04 #9 [dm to bob] hi` for our
 * own DM; `#7` is the seq that /edit, /delete and /react take. An event reads as what it did,
 * e.g. `12:05 #10 [general] alice: (edited #3) hello`.
 */
export function formatMessage(
  m: ChatMessage,
  me: string | null,
  style: MarkStyle = 'brackets',
): string {
  return `${shortTime(m.ts)} #${m.seq} ${place(m.channel, m.from, me)} ${body(m, me, style)}`;
}

/**
 * `2026-03-04 12:04 #7 [general] alice: the [deploy] is done`: a search hit with its date (hits
 * are old), seq and the matched ranges marked. Each piece is cleaned on its own, after cutting,
 * so the server's UTF-16 offsets fall where they should and no mark lands inside an escape.
 */
export function formatHit(hit: SearchHit, me: string | null, style: MarkStyle): string {
  const [open, close] = MARKS[style];
  const text = highlightPieces(hit)
    .map((p) => (p.marked ? `${open}${clean(p.text)}${close}` : clean(p.text)))
    .join('');
  const d = new Date(hit.ts);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${day} ${shortTime(hit.ts)} #${hit.seq} ${place(hit.channel, hit.from, me)} ${text}`;
}

/** A live change to message #seq of a channel, e.g. `12:05 [general] alice: (edited #3) hello`. */
export function formatChange(e: ChangeEvent, me: string | null): string {
  let what: string;
  if ('text' in e) what = `(edited #${e.seq}) ${clean(e.text)}`;
  else if ('emoji' in e)
    what = e.on
      ? `(reacted ${clean(e.emoji)} to #${e.seq})`
      : `(took back ${clean(e.emoji)} on #${e.seq})`;
  else what = `(deleted #${e.seq})`;
  const by = 'user' in e ? e.user : e.by;
  return `${shortTime(e.ts)} ${place(e.channel, by, me)} ${what}`;
}

export type ChangeEvent = EditEvent | DeleteEvent | ReactionEvent;

/** What a room says of itself when you start talking in it: its topic, and if it is archived. */
export function roomLines(state: ChannelState | undefined): string[] {
  if (state?.kind !== 'room') return [];
  const lines = state.topic ? [`* topic: ${clean(state.topic)}`] : [];
  if (state.archived) lines.push(`* #${clean(state.name)} is archived: read-only`);
  return lines;
}

/** A `room` event as lines: a new topic, archived or unarchived (kind and slow mode unsaid). */
export function roomEventLines(e: RoomEvent): string[] {
  const room = `#${clean(e.room)}`;
  const lines: string[] = [];
  if (e.topic !== undefined)
    lines.push(e.topic ? `* ${room} topic: ${clean(e.topic)}` : `* ${room} topic cleared`);
  if (e.archived !== undefined)
    lines.push(e.archived ? `* ${room} was archived: read-only` : `* ${room} is open again`);
  return lines;
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
  /search <query>      search your rooms and DMs (words, "phrases", in:#room, from:user,
                       before:/after:YYYY-MM-DD); /more shows the next page
  /reply <#seq> <text> answer message #seq of the current channel
  /upload <path> [text]  send a file (with text) to the current channel
  /thread <#seq> [text]  post in the thread under message #seq, or (no text) show that thread
  /edit <#seq> <text>  edit your message #seq of the current channel
  /delete <#seq>       delete message #seq of the current channel
  /seen                who has seen the newest message of the current channel
  /react <#seq> <emoji>    react to message #seq of the current channel
  /unreact <#seq> <emoji>  take that reaction back
  /help                this list
  /quit                leave the chat
Any other line is sent to the current channel.`;
