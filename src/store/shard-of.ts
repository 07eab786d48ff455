import { createHash } from 'node:crypto';

/**
 * The shard of `channel` among `count` databases: the first 32 bits of SHA-1 of the channel's
 * UTF-8 name, big-endian, modulo `count`. Stable across releases, nodes and platforms (it is
 * the layout of the data: changing it would strand every channel), so it must never change.
 * SHA-1 serves as a well-mixed hash here, not for security.
 */
export function shardOf(channel: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count ${count}`);
  return createHash('sha1').update(channel, 'utf8').digest().readUInt32BE(0) % count;
}
