/**
 * The file routes (docs/files.md):
 * - `POST /api/v1/uploads?channel=<id>&name=<file name>` with the session bearer token and the
 *   file as the raw body: streamed to the blob store (never held whole), typed from its bytes,
 *   images measured and thumbnailed; `201 {id, name, type, size, width?, height?}`.
 * - `GET /api/v1/uploads/{id}/link` with the bearer token: `{url, thumbUrl?, expires}`, signed
 *   links living a few minutes, for members of the file's channel (and its uploader before send).
 * - `GET /api/v1/files/{id}[/thumb]?exp&sig`: the bytes, with `nosniff`, a sandboxing CSP and
 *   `Content-Disposition: attachment` except for SAFE_INLINE_TYPES.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Identity } from '../auth/authenticator.js';
import type { BlobStore } from '../blob/blob-store.js';
import { SwitchboardError } from '../errors.js';
import type { UploadRecord, UploadStore } from '../store/upload-store.js';
import { bearer } from './auth-routes.js';
import { sanitizeFileName } from './file-name.js';
import { FileLinks, type FileVariant } from './file-link.js';
import { THUMBNAILED, describeImage } from './image.js';
import type { ApiRouter, Reply } from './router.js';
import { SAFE_INLINE_TYPES, SNIFF_BYTES, sniffType } from './sniff.js';

export interface UploadRoutesOptions {
  uploads: UploadStore;
  blobs: BlobStore;
  links: FileLinks;
  /** The identity of a bearer token (the authenticator of `hello`); rejects with its code. */
  identify(token: string): Promise<Identity>;
  /** Rejects with the channel's code unless the user may `send` / read (`history`) there. */
  authorizeChannel(who: Identity, channel: string, command: 'send' | 'history'): Promise<void>;
  maxBytes: number;
  /** 0: no quota. */
  quotaBytes: number;
  now?: () => number;
}

/** Headers of every file answer: never sniffed, never a document that may run anything. */
export const FILE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'",
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'private, max-age=300',
};

export function addUploadRoutes(router: ApiRouter, o: UploadRoutesOptions): void {
  const now = o.now ?? Date.now;
  router
    .add('POST', '/uploads', async ({ req }) => {
      const who = await o.identify(bearer(req));
      const query = queryOf(req);
      const channel = query.get('channel') ?? '';
      await o.authorizeChannel(who, channel, 'send');
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > o.maxBytes)
        throw new SwitchboardError('SB_ERR_UPLOAD_TOO_LARGE', `larger than ${o.maxBytes} bytes`);
      const used = o.quotaBytes > 0 ? await o.uploads.uploadUsage(who.user) : 0;
      if (o.quotaBytes > 0 && used + declared > o.quotaBytes)
        throw new SwitchboardError('SB_ERR_UPLOAD_QUOTA');
      const record = await store(o, req, {
        owner: who.user,
        channel,
        name: sanitizeFileName(query.get('name') ?? ''),
        now: now(),
      });
      if (o.quotaBytes > 0 && used + record.size + (record.thumbSize ?? 0) > o.quotaBytes) {
        await eraseBlobs(o.blobs, record);
        throw new SwitchboardError('SB_ERR_UPLOAD_QUOTA');
      }
      await o.uploads.addUpload(record);
      return { status: 201, body: describe(record) };
    })
    .add('GET', '/uploads/:id/link', async ({ req, params }) => {
      const who = await o.identify(bearer(req));
      const u = await o.uploads.upload(params['id']!);
      if (!u) throw new SwitchboardError('SB_ERR_FILE_NOT_FOUND');
      // Before it is sent, an upload is its owner's alone.
      if (u.claimedBy === undefined && u.owner !== who.user)
        throw new SwitchboardError('SB_ERR_FILE_NOT_FOUND');
      await o.authorizeChannel(who, u.channel, 'history').catch(() => {
        throw new SwitchboardError('SB_ERR_FILE_NOT_FOUND');
      });
      const file = o.links.sign(u.id, 'file');
      const thumb = u.thumb === undefined ? null : o.links.sign(u.id, 'thumb');
      return {
        status: 200,
        body: { url: file.path, ...(thumb ? { thumbUrl: thumb.path } : {}), expires: file.expires },
      };
    })
    .add('GET', '/files/:id', ({ req, params }) => serve(o, req, params['id']!, 'file'))
    .add('GET', '/files/:id/thumb', ({ req, params }) => serve(o, req, params['id']!, 'thumb'));
}

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://x').searchParams;
}

function describe(u: UploadRecord) {
  return {
    id: u.id,
    name: u.name,
    type: u.type,
    size: u.size,
    ...(u.width === undefined ? {} : { width: u.width, height: u.height }),
  };
}

async function eraseBlobs(blobs: BlobStore, u: Pick<UploadRecord, 'id' | 'thumb'>): Promise<void> {
  await blobs.delete(u.id);
  if (u.thumb !== undefined) await blobs.delete(u.thumb);
}

/**
 * Streams the request body to the blob store, keeping its first SNIFF_BYTES aside to type it;
 * an image is then read back for its dimensions and thumbnail. Anything refused is erased.
 */
async function store(
  o: UploadRoutesOptions,
  req: IncomingMessage,
  meta: { owner: string; channel: string; name: string; now: number },
): Promise<UploadRecord> {
  const head: Buffer[] = [];
  let headBytes = 0;
  async function* tap(): AsyncGenerator<Uint8Array> {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (headBytes < SNIFF_BYTES) {
        head.push(chunk.subarray(0, SNIFF_BYTES - headBytes));
        headBytes += Math.min(chunk.length, SNIFF_BYTES - headBytes);
      }
      yield chunk;
    }
  }
  const blob = await o.blobs.put(tap(), { maxBytes: o.maxBytes });
  const record: UploadRecord = {
    id: blob.id,
    ...meta,
    type: 'application/octet-stream',
    size: blob.size,
    createdAt: meta.now,
  };
  try {
    record.type = await sniffType(Buffer.concat(head));
    if (THUMBNAILED.has(record.type)) {
      const source = await o.blobs.get(blob.id);
      const image = source ? await describeImage(source) : null;
      if (image) {
        record.width = image.width;
        record.height = image.height;
        if (image.thumb) {
          const thumb = await o.blobs.put(Readable.from([image.thumb]), {
            maxBytes: o.maxBytes,
          });
          record.thumb = thumb.id;
          record.thumbSize = thumb.size;
        }
      }
    }
  } catch (err) {
    await eraseBlobs(o.blobs, record);
    throw err;
  }
  return record;
}

async function serve(
  o: UploadRoutesOptions,
  req: IncomingMessage,
  id: string,
  variant: FileVariant,
): Promise<Reply> {
  const query = queryOf(req);
  o.links.verify(id, variant, query.get('exp'), query.get('sig'));
  const u = await o.uploads.upload(id);
  const blobId = variant === 'thumb' ? u?.thumb : u?.id;
  const stream = u && blobId !== undefined ? await o.blobs.get(blobId) : null;
  if (!u || !stream) throw new SwitchboardError('SB_ERR_FILE_NOT_FOUND');
  const type = variant === 'thumb' ? 'image/webp' : u.type;
  const inline = SAFE_INLINE_TYPES.has(type);
  const size = variant === 'thumb' ? u.thumbSize! : u.size;
  return {
    status: 200,
    stream,
    headers: {
      ...FILE_HEADERS,
      'content-type': type,
      'content-length': String(size),
      'content-disposition': `${inline ? 'inline' : 'attachment'}; ${dispositionName(u.name)}`,
    },
  };
}

/** RFC 6266 filename (ASCII fallback) and filename* (UTF-8). */
function dispositionName(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
