/**
 * `npm run docs`: writes docs/permissions.md from the permission table in
 * src/core/permissions.ts. Deterministic, so test/core/permissions-docs.test.ts can compare the
 * committed file with a fresh generation.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import {
  PERMISSIONS,
  ROOM_COMMANDS,
  ROOM_KINDS,
  ROOM_STATES,
  SUBJECTS,
  authorize,
  type RoomState,
  type Subject,
} from '../src/core/permissions.js';
import type { RoomKind } from '../src/store/store.js';

export const PERMISSIONS_MD_PATH = fileURLToPath(
  new URL('../docs/permissions.md', import.meta.url),
);

const INTRO = `# Permissions

_Generated from \`src/core/permissions.ts\` by \`npm run docs\`; edit the table, not this file._
\`test/core/permissions-matrix.test.ts\` sends every cell below over the wire and checks the
answer.

Every room command asks one table what the user may do, given the room's kind and the user's
role and state in it. Roles per room, highest first: \`owner\` (who created it), \`admin\`,
\`moderator\`, \`member\`. A **server admin** (the server role \`admin\`, from an account flag,
a JWT claim or the auth webhook) stands above every room role in every room, without being a
member. Room kinds: \`public\` (listed, anyone joins), \`private\` (invite only; to a non-member
it does not exist), \`announcement\` (everyone reads, only moderators and above post).

The checks, in order (the first that fails answers):

1. \`typing\` answers every non-member \`SB_ERR_CHANNEL_INVALID\` (a channel the connection does
   not receive), as for an unknown room.
2. A private room does not exist for a non-member who is not a server admin: every command
   answers \`SB_ERR_ROOM_NOT_FOUND\`, byte for byte as for an unknown room (a ban included).
3. A user banned from the room: \`SB_ERR_BANNED\` (server admins are never held back).
4. A command that needs membership, from a non-member: \`SB_ERR_NOT_A_MEMBER\`.
5. A role below the command's minimum for the room's kind: \`SB_ERR_FORBIDDEN\`.
6. The room's state. An **archived** room (\`archive\`, \`POST /api/v1/rooms/{room}/archive\`) is
   read-only: a command that runs in open rooms only (\`send\`, \`thread\`, \`typing\`,
   \`edit\`, \`react\`, \`delete\`, \`mention-all\`, and \`archive\` itself) answers
   \`SB_ERR_ROOM_ARCHIVED\`; history, search, \`read\`, membership and moderation go on.
   \`unarchive\` of an open room answers \`SB_ERR_ROOM_NOT_ARCHIVED\`.
7. A muted member, for \`send\` (in a thread too), \`typing\`, \`edit\` and \`react\`:
   \`SB_ERR_MUTED\`.

Acting on another user (\`kick\`, \`ban\`, \`unban\`, \`mute\`, \`unmute\`, \`role\`) also needs a
standing strictly above the target's role, and \`role\` a new role strictly below the actor's:
otherwise \`SB_ERR_OUTRANKED\`. So a moderator acts on members only, an admin grants at most
moderator, an owner at most admin, and only a server admin grants owner or acts on an owner.
A server admin stands above every room role as a target too: acting on one, in a room or with
a server-wide \`ban\`, is \`SB_ERR_OUTRANKED\` for everyone, another server admin included
(an operator takes the role away first). This knows the server roles an account keeps
(\`switchboard admin grant\`) and those a JWT or the auth webhook last presented for the user
(kept in the store at each \`hello\`, so they hold while the user is offline, on every node,
until a credential without them comes).
The \`delete\` row is about someone else's message: anyone who may read a channel may delete
their own messages there (in a DM only those); deleting another's is recorded in the audit log.
\`report\` goes to the room's moderators and above and to the server admins.
The \`thread\` row is a \`send\` with \`thread\` (posting in a thread): as \`send\`, except that
members answer in the threads of an announcement room; \`follow\` (a thread) is as reading.
In slow mode (\`room-settings.slowMode\`), members wait that many seconds between messages
(\`SB_ERR_SLOW_MODE\` with \`retryAfter\`); moderators and above are exempt.

Outside rooms: a server-wide \`ban\`/\`unban\` and the server-wide \`audit\` need a server admin
(\`SB_ERR_FORBIDDEN\` otherwise); a server ban closes the user's connections on every node with
close code 4102 and refuses their \`hello\` with \`SB_ERR_BANNED\`. A \`send\` with \`to\` to
someone who blocked the sender answers \`SB_ERR_BLOCKED\`.`;

const STANDING_NOTE = `## Minimum role per room kind

\`anyone\` includes non-members. "member" means the command needs membership; "mute" that a mute
stops it; "state" the room states it runs in (an archived room is read-only).`;

function standings(): string {
  const rows = ROOM_COMMANDS.map((c) => {
    const rule = PERMISSIONS[c];
    const kinds = ROOM_KINDS.map((k) => `\`${rule.kinds[k]}\``);
    const state = rule.only ?? ROOM_STATES.join(', ');
    return `| \`${c}\` | ${kinds.join(' | ')} | ${rule.member ? 'yes' : 'no'} | ${rule.muted ? 'yes' : 'no'} | ${state} |`;
  });
  return [
    `| Command | ${ROOM_KINDS.join(' | ')} | member | mute | state |`,
    `| --- | ${ROOM_KINDS.map(() => '---').join(' | ')} | --- | --- | --- |`,
    ...rows,
  ].join('\n');
}

const SUBJECT_NAMES = Object.keys(SUBJECTS) as Subject[];

function matrix(kind: RoomKind, state: RoomState): string {
  const rows = ROOM_COMMANDS.map((c) => {
    const cells = SUBJECT_NAMES.map((s) => {
      const code = authorize(c, kind, SUBJECTS[s], state);
      return code === null ? 'allow' : `\`${code.replace('SB_ERR_', '')}\``;
    });
    return `| \`${c}\` | ${cells.join(' | ')} |`;
  });
  return [
    `## ${state === 'open' ? '' : `${state} `}${kind} rooms`,
    '',
    `| Command | ${SUBJECT_NAMES.join(' | ')} |`,
    `| --- | ${SUBJECT_NAMES.map(() => '---').join(' | ')} |`,
    ...rows,
  ].join('\n');
}

const MATRIX_NOTE = `## The whole matrix

Each cell: \`allow\`, or the error code answered (without its \`SB_ERR_\` prefix). Columns:
\`stranger\` is not a member; \`banned\` is not a member and banned from the room; \`server admin\`
is not a member.`;

export async function generatePermissionsMarkdown(): Promise<string> {
  const matrices = ROOM_STATES.flatMap((state) => ROOM_KINDS.map((kind) => matrix(kind, state)));
  const markdown = [INTRO, STANDING_NOTE, standings(), MATRIX_NOTE, ...matrices].join('\n\n');
  const config = (await prettier.resolveConfig(PERMISSIONS_MD_PATH)) ?? {};
  return prettier.format(markdown, { ...config, parser: 'markdown' });
}

async function main(): Promise<void> {
  writeFileSync(PERMISSIONS_MD_PATH, await generatePermissionsMarkdown());
  console.log('wrote docs/permissions.md');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
