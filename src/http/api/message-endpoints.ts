/**
 * Messages over HTTP: post (as a user or a bot, idempotent by `Idempotency-Key`: the key is the
 * message's `cid`, so the socket's rules apply), edit, delete, history, search, direct messages.
 * Each runs the socket command through ChatCore.runAs.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { SwitchboardError } from '../../errors.js';
import { newCid } from '../../protocol/cid.js';
import { HistoryResult, SearchResult, SendResult, roomChannel } from '../../protocol/frames.js';
import { endpoint, reply, type Endpoint } from './endpoint.js';
import { asQuery, limitQuery, seqParam } from './schemas.js';

const IDEMPOTENCY_KEY_MAX = 64;

/** The Idempotency-Key header (the message's cid), or a fresh (time-ordered) cid without one. */
function cidOf(req: IncomingMessage): string {
  const given = req.headers['idempotency-key'];
  if (given === undefined) return newCid();
  const key = Array.isArray(given) ? given[0]! : given;
  if (key.length < 1 || key.length > IDEMPOTENCY_KEY_MAX)
    throw new SwitchboardError(
      'SB_ERR_HTTP_BAD_REQUEST',
      `Idempotency-Key: 1-${IDEMPOTENCY_KEY_MAX} characters`,
    );
  return key;
}

/**
 * A repeated key answers the stored message (200) when the body is the same, and
 * SB_ERR_IDEMPOTENCY_KEY_REUSED when it differs. A message edited or deleted since cannot be
 * compared: its stored form is answered.
 */
function sendReply(result: SendResult, body: PostBody): unknown {
  if (!result.duplicate) return result;
  const m = result.message;
  const changed = m.edited !== undefined || m.deleted === true;
  if (!changed && (m.text !== body.text || m.replyTo !== body.replyTo || m.thread !== body.thread))
    throw new SwitchboardError('SB_ERR_IDEMPOTENCY_KEY_REUSED');
  return reply({ status: 200, body: result });
}

const postBody = z.strictObject({
  text: z.string().max(65_536).describe('UTF-8 text, at most maxMessageBytes bytes.'),
  replyTo: z.number().int().min(1).optional().describe('The message this one answers, by seq.'),
  thread: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Post in the thread under this root (a top-level message of the channel), by seq.'),
  alsoToRoom: z
    .boolean()
    .optional()
    .describe('With `thread`: show the message in the main timeline too.'),
});
type PostBody = z.infer<typeof postBody>;

/** The socket `send` frame of a post: to a room or a user, the body's optional fields kept. */
function sendFrame(target: { room: string } | { to: string }, body: PostBody, cid: string) {
  return {
    type: 'send' as const,
    ...target,
    text: body.text,
    cid,
    ...(body.replyTo === undefined ? {} : { replyTo: body.replyTo }),
    ...(body.thread === undefined ? {} : { thread: body.thread }),
    ...(body.alsoToRoom === undefined ? {} : { alsoToRoom: body.alsoToRoom }),
  };
}

const roomMessages = z.object({
  as: asQuery.shape.as,
  before: z.coerce.number().int().min(1).optional().describe('Messages with seq < before.'),
  after: z.coerce.number().int().min(0).optional().describe('Messages with seq > after.'),
  limit: limitQuery(500, 50),
});

export const MESSAGE_ENDPOINTS: Endpoint[] = [
  endpoint({
    method: 'POST',
    path: '/rooms/{room}/messages',
    scope: 'messages:write',
    tag: 'messages',
    summary:
      'Post a message to a room as a user or bot (`as`). Header `Idempotency-Key` (1-64 ' +
      'characters) is the message\u2019s cid: a retry with the same key and body answers 200 ' +
      'with the same message; the same key with another body is 409 SB_ERR_IDEMPOTENCY_KEY_REUSED.',
    query: asQuery,
    body: postBody,
    status: 201,
    response: SendResult,
    run: async ({ ctx, req, params, query, body, actor }) => {
      const frame = sendFrame({ room: params['room']! }, body, cidOf(req));
      const result = (await ctx.core.runAs(await actor(query.as), frame)) as SendResult;
      return sendReply(result, body);
    },
  }),
  endpoint({
    method: 'POST',
    path: '/users/{user}/messages',
    scope: 'messages:write',
    tag: 'messages',
    summary: 'Send a direct message to a user as `as` (idempotent by `Idempotency-Key` as above).',
    query: asQuery,
    body: postBody,
    status: 201,
    response: SendResult,
    run: async ({ ctx, req, params, query, body, actor }) => {
      const frame = sendFrame({ to: params['user']! }, body, cidOf(req));
      const result = (await ctx.core.runAs(await actor(query.as), frame)) as SendResult;
      return sendReply(result, body);
    },
  }),
  endpoint({
    method: 'GET',
    path: '/rooms/{room}/messages',
    scope: 'messages:read',
    tag: 'messages',
    summary: 'A page of a room\u2019s history as `as` sees it (a member), newest last.',
    query: roomMessages,
    status: 200,
    response: HistoryResult,
    run: async ({ ctx, params, query, actor }) => {
      const { as, ...page } = query;
      return ctx.core.runAs(await actor(as), {
        type: 'history',
        channel: roomChannel(params['room']!),
        ...page,
      });
    },
  }),
  endpoint({
    method: 'PATCH',
    path: '/rooms/{room}/messages/{seq}',
    scope: 'messages:write',
    tag: 'messages',
    summary: 'Edit a message as its author (`as`), within the edit window.',
    query: asQuery,
    body: z.strictObject({ text: z.string().max(65_536).describe('The new text.') }),
    status: 200,
    response: SendResult.describe('The edit event (`edits`: the seq edited).'),
    run: async ({ ctx, req, params, query, body, actor }) =>
      ctx.core.runAs(await actor(query.as), {
        type: 'edit',
        channel: roomChannel(params['room']!),
        seq: seqParam(params['seq']!),
        text: body.text,
        cid: cidOf(req),
      }),
  }),
  endpoint({
    method: 'DELETE',
    path: '/rooms/{room}/messages/{seq}',
    scope: 'messages:write',
    tag: 'messages',
    summary: 'Delete a message: `as` its author, or a moderator of the room.',
    query: asQuery,
    status: 200,
    response: SendResult.describe('The delete event (`deletes`: the seq deleted).'),
    run: async ({ ctx, params, query, actor }) =>
      ctx.core.runAs(await actor(query.as), {
        type: 'delete',
        channel: roomChannel(params['room']!),
        seq: seqParam(params['seq']!),
      }),
  }),
  endpoint({
    method: 'GET',
    path: '/search',
    scope: 'messages:read',
    tag: 'messages',
    summary: 'Search the rooms and DMs of `as` (query syntax of docs/search.md), newest first.',
    query: z.object({
      as: asQuery.shape.as,
      q: z.string().max(2048).describe('The search query.'),
      limit: limitQuery(100, 20),
      cursor: z.string().max(32).optional().describe('`cursor` of the previous page.'),
    }),
    status: 200,
    response: SearchResult,
    run: async ({ ctx, query, actor }) =>
      ctx.core.runAs(await actor(query.as), {
        type: 'search',
        query: query.q,
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      }),
  }),
];
