/**
 * Files for apps, the chat page and the terminal client (docs/files.md): `upload` a file to a
 * channel over HTTP with the session token (upload progress through XMLHttpRequest where there is
 * one, i.e. in browsers; fetch elsewhere), then `send(target, text, {attachments: [id]})`; and
 * `fileLink` for the short-lived signed links of an attached file. A refusal rejects as a
 * SwitchboardError with the problem's code. Its own entry point (`switchboard/client/files`).
 */
import { SwitchboardError, isErrorCode } from '../errors.js';

export interface FileOptions {
  /** The session token (`hello`'s). */
  token: string;
  /** Where the server answers HTTP, e.g. `https://chat.example.com`. Default '' (this page). */
  baseUrl?: string;
}

export interface UploadOptions extends FileOptions {
  /** The file's name; default the File's own, else 'file'. */
  name?: string;
  /** Bytes sent so far and the total, as the upload goes (browsers: many; Node: at the end). */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/** What the server made of an upload: its id to attach, and the sniffed facts. */
export interface UploadedFile {
  id: string;
  name: string;
  type: string;
  size: number;
  width?: number;
  height?: number;
}

export interface FileLink {
  /** Absolute when `baseUrl` is given, else relative to this page. */
  url: string;
  thumbUrl?: string;
  /** When the links stop working (ms since the epoch): ask again after. */
  expires: number;
}

type Body = Blob | ArrayBuffer | Uint8Array;

export async function upload(channel: string, data: Body, o: UploadOptions): Promise<UploadedFile> {
  const named = typeof File !== 'undefined' && data instanceof File ? data.name : undefined;
  const name = o.name ?? named ?? 'file';
  const url =
    `${o.baseUrl ?? ''}/api/v1/uploads?channel=${encodeURIComponent(channel)}` +
    `&name=${encodeURIComponent(name)}`;
  const blob = data instanceof Blob ? data : new Blob([data as BlobPart]);
  const { status, text } =
    typeof XMLHttpRequest !== 'undefined'
      ? await viaXhr(url, blob, o)
      : await viaFetch(url, blob, o);
  return answer(status, text, url) as UploadedFile;
}

export async function fileLink(id: string, o: FileOptions): Promise<FileLink> {
  const url = `${o.baseUrl ?? ''}/api/v1/uploads/${encodeURIComponent(id)}/link`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${o.token}` } });
  } catch (err) {
    throw new SwitchboardError('SB_ERR_CONNECTION_CLOSED', `cannot reach ${url}`, { cause: err });
  }
  const link = answer(res.status, await res.text(), url) as FileLink;
  const base = o.baseUrl ?? '';
  return {
    url: base + link.url,
    ...(link.thumbUrl === undefined ? {} : { thumbUrl: base + link.thumbUrl }),
    expires: link.expires,
  };
}

function viaXhr(
  url: string,
  blob: Blob,
  o: UploadOptions,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${o.token}`);
    xhr.upload.onprogress = (e) =>
      o.onProgress?.(e.loaded, e.lengthComputable ? e.total : blob.size);
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    const failed = () =>
      reject(new SwitchboardError('SB_ERR_CONNECTION_CLOSED', `upload to ${url} failed`));
    xhr.onerror = failed;
    xhr.onabort = failed;
    o.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(blob);
  });
}

async function viaFetch(
  url: string,
  blob: Blob,
  o: UploadOptions,
): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/octet-stream' },
      body: blob,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (err) {
    throw new SwitchboardError('SB_ERR_CONNECTION_CLOSED', `cannot reach ${url}`, { cause: err });
  }
  const text = await res.text();
  o.onProgress?.(blob.size, blob.size);
  return { status: res.status, text };
}

function answer(status: number, text: string, url: string): unknown {
  let data: Record<string, unknown> | null = null;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: a proxy's page, say.
  }
  if (status >= 200 && status < 300 && data) return data;
  const code = typeof data?.code === 'string' && isErrorCode(data.code) ? data.code : null;
  const detail = typeof data?.detail === 'string' ? data.detail : `HTTP ${status} from ${url}`;
  throw new SwitchboardError(code ?? 'SB_ERR_INTERNAL', detail);
}
