/**
 * Names and channel helpers shared by server, SDK and browser. No zod here: the browser bundle
 * imports this without pulling in the schemas.
 */
export const PROTOCOL_VERSION = 1;

/** Lower-case handle; compared case-insensitively by lower-casing on input. */
export const HANDLE_RE = /^[a-z0-9_][a-z0-9_.-]{0,31}$/;
export const ROOM_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** `room:<name>` or `dm:<a>:<b>` with a < b. */
export const CHANNEL_RE =
  /^(room:[a-z0-9][a-z0-9_-]{0,63}|dm:[a-z0-9_][a-z0-9_.-]{0,31}:[a-z0-9_][a-z0-9_.-]{0,31})$/;

export function roomChannel(room: string): string {
  return `room:${room}`;
}

/** The DM channel between two handles; symmetric. */
export function dmChannel(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

export type ParsedChannel =
  { kind: 'room'; room: string } | { kind: 'dm'; users: [string, string] };

/** The other participant of a DM (`users` as parseChannel gives them) seen from `me`. */
export function dmPeer(users: readonly [string, string], me: string | null): string {
  return users[0] === me ? users[1] : users[0];
}

export function parseChannel(ch: string): ParsedChannel | null {
  if (!CHANNEL_RE.test(ch)) return null;
  if (ch.startsWith('room:')) return { kind: 'room', room: ch.slice(5) };
  const [, a, b] = ch.split(':') as [string, string, string];
  if (!(a < b)) return null;
  return { kind: 'dm', users: [a, b] };
}
