/**
 * `npm run docs`: writes docs/api.md from the endpoint list of src/http/api (the same list the
 * router and /api/v1/openapi.json are made from). Deterministic, so test/http/api-docs.test.ts
 * can compare the committed file with a fresh generation.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import { z } from 'zod';
import { ENDPOINTS } from '../src/http/api/api-routes.js';
import type { Endpoint } from '../src/http/api/endpoint.js';
import { API_SCOPES } from '../src/http/api/scopes.js';
import { ROUTE_DOCS, type RouteAuth, type RouteDoc } from '../src/http/route-docs.js';

export const API_MD_PATH = fileURLToPath(new URL('../docs/api.md', import.meta.url));

const INTRO = `# HTTP API

_Generated from the endpoint list in \`src/http/api/\` by \`npm run docs\`; edit the code, not
this file. The same list makes the routes and the OpenAPI 3.1 document served at
\`/api/v1/openapi.json\`, where each answer has its schema; \`test/http/openapi.test.ts\` calls
every documented endpoint and checks its answer against that schema._

The API is for an operator's backend: it posts as users and bots, manages rooms, users and
sessions, and reads presence, history and the call log. Any node serves any call; a call runs
the same command a socket client would (\`ChatCore.runAs\`), through the same permission table
([permissions.md](permissions.md)), so its effects reach every node alike.

## Keys

Every call sends \`Authorization: Bearer <key>\`. A server admin makes keys:

- \`switchboard admin api-key create --name backend --scopes messages:write,rooms:read --by <admin handle>\`
  (also \`list\` and \`revoke <id>\`), on the store the servers use; or
- \`POST /api/v1/api-keys {name, scopes}\` with the session token of a server admin (or a key with
  the \`admin\` scope).

A server admin's session token is accepted wherever a key is, with every scope (the admin
console, [admin.md](admin.md), calls the API this way); any other session token is \`403
SB_ERR_ADMIN_REQUIRED\`.

The key (\`sbk_…\`) is shown once; only its SHA-256 is stored. A key acts for the admin who made
it: a call that names no user (\`as\`) runs as that admin, with the server roles the admin has at
the time of the call. A revoked key answers \`401\` on every node at its next call.

Scopes (each endpoint needs one; \`admin\` covers all, and alone reaches keys and the call log):
${API_SCOPES.map((s) => `\`${s}\``).join(', ')}. \`webhooks:write\` is reserved for the webhook
endpoints.

## Acting as a user: \`as\`

Endpoints that run a chat command take \`?as=<handle>\`: the command runs as that user, with their
room roles and their account's server roles (a bot is an account with the server role \`bot\`,
made by \`POST /users {bot: true}\`; it posts here or connects over the socket with a session
token). Without \`as\`, the key's admin acts.

## Posting: \`Idempotency-Key\`

\`POST /rooms/{room}/messages\` and \`POST /users/{user}/messages\` take an \`Idempotency-Key\`
header (1-64 characters) that becomes the message's \`cid\`, with the socket's rule: one message
per (channel, sender, cid). A retry with the same key and body answers \`200\` with the stored
message (\`duplicate: true\`); the same key with another text or \`replyTo\` is \`409
SB_ERR_IDEMPOTENCY_KEY_REUSED\`. (A message edited or deleted since is answered as stored.)
Without the header the message gets a fresh cid, a UUID version 7 (time-ordered, as the SDK's).

## Limits, audit, errors

Each key has a budget per node (\`--api-key-rate\` calls/s, \`--api-key-burst\`); over it, \`429
SB_ERR_RATE_LIMITED\` with \`Retry-After\`. Every call made with a key (or an admin session) is
logged with the key id, method, path, status and time, failures included, and read with
\`GET /api/v1/audit\`; a call without a valid key is not logged. Bodies are JSON of at most
16 KiB (\`413 SB_ERR_HTTP_BODY_TOO_LARGE\`; malformed or off-schema: \`400
SB_ERR_HTTP_BAD_REQUEST\`). Errors are \`application/problem+json\`
\`{type, title, status, code, detail, retryAfter?}\` with the codes of [errors.md](errors.md);
a chat command's refusal keeps its code (\`403 SB_ERR_NOT_A_MEMBER\`, \`404 SB_ERR_ROOM_NOT_FOUND\`…).`;

interface Json {
  description?: string;
  type?: string;
  enum?: unknown[];
  anyOf?: Json[];
}

const typeOf = (json: Json): string =>
  json.enum
    ? json.enum.map((v) => JSON.stringify(v)).join(' \\| ')
    : (json.type ?? json.anyOf?.map(typeOf).join(' \\| ') ?? 'any');

function fields(schema: z.ZodType | undefined, io: 'input' | 'output' = 'input'): string[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, s]) => {
    const json = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json;
    const optional = s.safeParse(undefined).success;
    const type = typeOf(json);
    return `| \`${name}\` | ${type}${optional ? '' : ' (required)'} | ${json.description ?? ''} |`;
  });
}

function section(e: Endpoint): string {
  const out = [
    `### \`${e.method} /api/v1${e.path}\``,
    '',
    `${e.summary}`,
    '',
    `Scope \`${e.scope}\` (or a server admin\u2019s session); answers \`${e.status}\`.`,
  ];
  const query = fields(e.query);
  if (query.length > 0) out.push('', '| Query | Type | |', '| --- | --- | --- |', ...query);
  const body = fields(e.body);
  if (body.length > 0) out.push('', '| Body field | Type | |', '| --- | --- | --- |', ...body);
  const answer = fields(e.response, 'output');
  if (answer.length > 0)
    out.push('', '| Answer field | Type | |', '| --- | --- | --- |', ...answer);
  return out.join('\n');
}

/** A route's answer in a table cell: its top-level fields, or `bytes`; the schemas are in openapi.json. */
function answerOf(response: RouteDoc['response']): string {
  if (response === 'bytes') return 'the file';
  if (!(response instanceof z.ZodObject)) return '';
  return `\`{${Object.keys(response.shape).join(', ')}}\``;
}

const AUTH_TEXT: Record<RouteAuth, string> = {
  none: 'none',
  session: 'session token',
  'signed-link': 'signed link',
  apiKey: 'API key',
};

/** The page's own routes under /api/v1, also in openapi.json (src/http/route-docs.ts). */
function otherRoutes(): string {
  return [
    '## Other routes under /api/v1',
    '',
    'The chat page\u2019s sign-in, account, file and push routes, and the webhook subscriptions ' +
      '(an API key with `webhooks:write`, or a server admin\u2019s session). See ' +
      '[auth.md](auth.md), [files.md](files.md), [push.md](push.md), [webhooks.md](webhooks.md).',
    '',
    '| Method | Path | Credentials | Success | Answer | |',
    '| --- | --- | --- | --- | --- | --- |',
    ...ROUTE_DOCS.map(
      (r) =>
        `| ${r.method} | \`/api/v1${r.path}\` | ${AUTH_TEXT[r.auth]} | ${r.status} | ` +
        `${answerOf(r.response)} | ${r.summary} |`,
    ),
  ].join('\n');
}

export async function generateApiMarkdown(): Promise<string> {
  const tags = [...new Set(ENDPOINTS.map((e) => e.tag))];
  const index = [
    '| Method | Path | Scope | Success |',
    '| --- | --- | --- | --- |',
    ...ENDPOINTS.map(
      (e) => `| ${e.method} | \`/api/v1${e.path}\` | \`${e.scope}\` | ${e.status} |`,
    ),
  ].join('\n');
  const body = tags
    .map((t) =>
      [`## Endpoints: ${t}`, ...ENDPOINTS.filter((e) => e.tag === t).map(section)].join('\n\n'),
    )
    .join('\n\n');
  const md = `${INTRO}\n\n## Endpoint index\n\n${index}\n\n${body}\n\n${otherRoutes()}\n`;
  return prettier.format(md, { parser: 'markdown', proseWrap: 'preserve' });
}

async function main(): Promise<void> {
  writeFileSync(API_MD_PATH, await generateApiMarkdown());
  console.log('wrote docs/api.md');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
