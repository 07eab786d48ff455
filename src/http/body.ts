/**
 * Reading a JSON request body: `application/json` only (415), at most 16 KiB (413, without
 * reading the rest), valid JSON matching the route's zod schema (400 naming the first issue).
 */
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { SwitchboardError } from '../errors.js';

export const MAX_BODY_BYTES = 16 * 1024;

async function readText(req: IncomingMessage, limit: number): Promise<string> {
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    throw new SwitchboardError('SB_ERR_HTTP_BODY_TOO_LARGE');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new SwitchboardError('SB_ERR_HTTP_BODY_TOO_LARGE');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson<S extends z.ZodType>(
  req: IncomingMessage,
  schema: S,
  limit = MAX_BODY_BYTES,
): Promise<z.output<S>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new SwitchboardError('SB_ERR_HTTP_MEDIA_TYPE');
  const text = await readText(req, limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SwitchboardError('SB_ERR_HTTP_BAD_REQUEST', 'request body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new SwitchboardError('SB_ERR_HTTP_BAD_REQUEST', `${at}: ${issue.message}`);
  }
  return parsed.data;
}
