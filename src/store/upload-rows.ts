import type { UploadRecord } from './upload-store.js';

export interface UploadRow {
  id: string;
  owner: string;
  channel: string;
  name: string;
  type: string;
  size: number | string;
  width: number | null;
  height: number | null;
  thumb: string | null;
  thumb_size: number | string;
  created_at: number | string;
  message_cid: string | null;
}

export const toUpload = (r: UploadRow): UploadRecord => ({
  id: r.id,
  owner: r.owner,
  channel: r.channel,
  name: r.name,
  type: r.type,
  size: Number(r.size),
  ...(r.width === null ? {} : { width: r.width }),
  ...(r.height === null ? {} : { height: r.height }),
  ...(r.thumb === null ? {} : { thumb: r.thumb, thumbSize: Number(r.thumb_size) }),
  createdAt: Number(r.created_at),
  ...(r.message_cid === null ? {} : { claimedBy: r.message_cid }),
});

export const uploadValues = (u: UploadRecord): unknown[] => [
  u.id,
  u.owner,
  u.channel,
  u.name,
  u.type,
  u.size,
  u.width ?? null,
  u.height ?? null,
  u.thumb ?? null,
  u.thumbSize ?? 0,
  u.createdAt,
];
