/**
 * Rooms over HTTP: list, create, settings (topic too), archive, members, roles, bans, mutes and who is online in a
 * room. Commands run through ChatCore.runAs as `as`, by default the key's creator (a server admin,
 * who outranks every room role).
 */
import { z } from 'zod';
import {
  ChannelState,
  MAX_TOPIC_CHARS,
  MEMBERS_PAGE_MAX,
  MembersResult,
  RoomInfo,
  RoomKind,
  RoomRole,
} from '../../protocol/frames.js';
import { requireRoomName } from './room-name.js';
import { endpoint, type Endpoint } from './endpoint.js';
import { asQuery, duration, handle, limitQuery, reason } from './schemas.js';

const restriction = z.strictObject({ duration, reason });

/** PUT/DELETE pairs that restrict a member: bans and mutes. */
function restrictions(kind: 'bans' | 'mutes'): Endpoint[] {
  const [on, off] = kind === 'bans' ? (['ban', 'unban'] as const) : (['mute', 'unmute'] as const);
  return [
    endpoint({
      method: 'PUT',
      path: `/rooms/{room}/${kind}/{user}`,
      scope: 'rooms:write',
      tag: 'rooms',
      summary:
        kind === 'bans'
          ? 'Ban a user from a room (removed at once on every node; cannot rejoin).'
          : 'Mute a member of a room (cannot send or type).',
      query: asQuery,
      body: restriction,
      status: 204,
      run: async ({ ctx, params, query, body, actor }) => {
        await ctx.core.runAs(await actor(query.as), {
          type: on,
          room: params['room']!,
          user: params['user']!,
          ...(body.duration === undefined ? {} : { duration: body.duration }),
          ...(body.reason === undefined ? {} : { reason: body.reason }),
        });
      },
    }),
    endpoint({
      method: 'DELETE',
      path: `/rooms/{room}/${kind}/{user}`,
      scope: 'rooms:write',
      tag: 'rooms',
      summary: kind === 'bans' ? 'Lift a ban.' : 'Lift a mute.',
      query: asQuery,
      status: 204,
      run: async ({ ctx, params, query, actor }) => {
        await ctx.core.runAs(await actor(query.as), {
          type: off,
          room: params['room']!,
          user: params['user']!,
        });
      },
    }),
  ];
}

/** POST archive / unarchive: a room goes read-only, or back. */
function archiving(): Endpoint[] {
  return (['archive', 'unarchive'] as const).map((type) =>
    endpoint({
      method: 'POST',
      path: `/rooms/{room}/${type}`,
      scope: 'rooms:write',
      tag: 'rooms',
      summary:
        type === 'archive'
          ? 'Archive a room: read-only (sends, edits, reactions: 409 SB_ERR_ROOM_ARCHIVED); ' +
            'history and search stay. Room admins and above.'
          : 'Unarchive an archived room (409 SB_ERR_ROOM_NOT_ARCHIVED when it is not).',
      query: asQuery,
      status: 204,
      run: async ({ ctx, params, query, actor }) => {
        await ctx.core.runAs(await actor(query.as), { type, room: params['room']! });
      },
    }),
  );
}

export const ROOM_ENDPOINTS: Endpoint[] = [
  endpoint({
    method: 'GET',
    path: '/rooms',
    scope: 'rooms:read',
    tag: 'rooms',
    summary:
      'List the open rooms `as` can see (a server admin: all); `archived=true`: the archived ones.',
    query: asQuery.extend({
      archived: z
        .enum(['true', 'false'])
        .optional()
        .describe('true: list the archived rooms only; default false: the open ones.'),
    }),
    status: 200,
    response: z.strictObject({ rooms: z.array(RoomInfo) }),
    run: async ({ ctx, query, actor }) =>
      ctx.core.runAs(await actor(query.as), {
        type: 'rooms',
        ...(query.archived === 'true' ? { archived: true } : {}),
      }),
  }),
  endpoint({
    method: 'POST',
    path: '/rooms',
    scope: 'rooms:write',
    tag: 'rooms',
    summary: 'Create a room; its owner (default: the key\u2019s creator) joins it.',
    body: z.strictObject({
      room: z.string().max(64).describe('Room name: 1-64 of a-z 0-9 _ -'),
      kind: RoomKind.optional().describe('Default public.'),
      owner: handle.optional().describe('The owner; default the key\u2019s creator.'),
    }),
    status: 201,
    response: ChannelState,
    run: async ({ ctx, body, actor }) =>
      ctx.core.runAs(await actor(body.owner), {
        type: 'create',
        room: body.room,
        ...(body.kind === undefined ? {} : { kind: body.kind }),
      }),
  }),
  endpoint({
    method: 'PATCH',
    path: '/rooms/{room}',
    scope: 'rooms:write',
    tag: 'rooms',
    summary: 'Change a room\u2019s kind, slow mode or topic (room admins and above).',
    query: asQuery,
    body: z
      .strictObject({
        kind: RoomKind.optional(),
        slowMode: z.number().int().min(0).max(86_400).optional().describe('Seconds; 0: off.'),
        topic: z
          .string()
          .max(4 * MAX_TOPIC_CHARS)
          .optional()
          .describe(
            `At most ${MAX_TOPIC_CHARS} characters after trimming (SB_ERR_TOPIC_TOO_LONG); '' clears it.`,
          ),
      })
      // An HTTP body error, not the socket's SB_ERR_BAD_FRAME that the command would answer.
      .refine((b) => Object.keys(b).length > 0, 'name at least one of kind, slowMode, topic'),
    status: 200,
    response: z
      .strictObject({})
      .describe('Empty: the room\u2019s receivers get the change as a `room` frame.'),
    run: async ({ ctx, params, query, body, actor }) =>
      ctx.core.runAs(await actor(query.as), {
        type: 'room-settings',
        room: params['room']!,
        ...(body.kind === undefined ? {} : { kind: body.kind }),
        ...(body.slowMode === undefined ? {} : { slowMode: body.slowMode }),
        ...(body.topic === undefined ? {} : { topic: body.topic }),
      }),
  }),
  ...archiving(),
  endpoint({
    method: 'GET',
    path: '/rooms/{room}/members',
    scope: 'rooms:read',
    tag: 'rooms',
    summary:
      'One page of a room\u2019s members (handle order) with roles, mutes and online ' +
      'connection counts, and the member count; `next` names the cursor of the next page.',
    query: asQuery.extend({
      limit: limitQuery(MEMBERS_PAGE_MAX, MEMBERS_PAGE_MAX),
      after: handle.optional().describe('The previous page\u2019s `next`.'),
    }),
    status: 200,
    response: MembersResult,
    run: async ({ ctx, params, query, actor }) =>
      ctx.core.runAs(await actor(query.as), {
        type: 'members',
        room: params['room']!,
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.after === undefined ? {} : { after: query.after }),
      }),
  }),
  endpoint({
    method: 'PUT',
    path: '/rooms/{room}/members/{user}',
    scope: 'rooms:write',
    tag: 'rooms',
    summary: 'Make a user a member of a room (every device of theirs follows it).',
    query: asQuery,
    status: 204,
    run: async ({ ctx, params, query, actor }) => {
      await ctx.core.runAs(await actor(query.as), {
        type: 'invite',
        room: params['room']!,
        user: params['user']!,
      });
    },
  }),
  endpoint({
    method: 'DELETE',
    path: '/rooms/{room}/members/{user}',
    scope: 'rooms:write',
    tag: 'rooms',
    summary: 'Remove a member from a room (kick): every device leaves its stream at once.',
    query: asQuery.extend({ reason }),
    status: 204,
    run: async ({ ctx, params, query, actor }) => {
      await ctx.core.runAs(await actor(query.as), {
        type: 'kick',
        room: params['room']!,
        user: params['user']!,
        ...(query.reason === undefined ? {} : { reason: query.reason }),
      });
    },
  }),
  endpoint({
    method: 'PUT',
    path: '/rooms/{room}/members/{user}/role',
    scope: 'rooms:write',
    tag: 'rooms',
    summary: 'Change a member\u2019s role (both roles must be below the actor\u2019s).',
    query: asQuery,
    body: z.strictObject({ role: RoomRole }),
    status: 204,
    run: async ({ ctx, params, query, body, actor }) => {
      await ctx.core.runAs(await actor(query.as), {
        type: 'role',
        room: params['room']!,
        user: params['user']!,
        role: body.role,
      });
    },
  }),
  ...restrictions('bans'),
  ...restrictions('mutes'),
  endpoint({
    method: 'GET',
    path: '/rooms/{room}/presence',
    scope: 'presence:read',
    tag: 'presence',
    summary:
      'How many of a room\u2019s members are online, cluster-wide, and who of one page of ' +
      '`limit` members (handle order) is online with connection counts; `next` names the ' +
      'cursor of the next page. The count is the room\u2019s tally: its cost does not grow ' +
      'with the room on a node where the room is active.',
    query: z.object({
      limit: limitQuery(MEMBERS_PAGE_MAX, MEMBERS_PAGE_MAX),
      after: handle.optional().describe('The previous page\u2019s `next`.'),
    }),
    status: 200,
    response: z.strictObject({
      room: z.string(),
      online: z.number().int().min(0).describe('How many members are online (all pages).'),
      users: z
        .array(z.strictObject({ user: z.string(), connections: z.number().int().min(1) }))
        .describe('The online members among this page\u2019s members.'),
      next: handle
        .optional()
        .describe('Present when more members follow: pass it as `after` for the next page.'),
    }),
    run: async ({ ctx, params, query }) => {
      const id = await requireRoomName(ctx.store, params['room']!);
      const limit = query.limit ?? MEMBERS_PAGE_MAX;
      // One more than asked tells whether a next page exists.
      const [page, counts] = await Promise.all([
        ctx.store.membersPage(id, query.after ?? null, limit + 1),
        ctx.core.roomCounts(id),
      ]);
      const list = page.slice(0, limit);
      const users = list.flatMap((user) => {
        const connections = ctx.presence.count(user);
        return connections > 0 ? [{ user, connections }] : [];
      });
      return {
        room: id.slice('room:'.length),
        online: counts.online,
        users,
        ...(page.length > limit ? { next: list.at(-1)! } : {}),
      };
    },
  }),
];
