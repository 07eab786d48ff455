/**
 * Where a `receipt` frame goes on this node: to the live subscribers of the channel, except the
 * reader's own connections and those of users who turned receipts off (they see no one's).
 */
import type { Directory } from './directory.js';

export function deliverReceipt(
  directory: Pick<Directory, 'channels'>,
  channel: string,
  user: string,
  seq: number,
): void {
  const ch = directory.channels.get(channel);
  if (!ch) return;
  let frame: Buffer | null = null;
  for (const conn of ch.subscribers()) {
    if (conn.user === user || !conn.receipts) continue;
    frame ??= Buffer.from(JSON.stringify({ type: 'receipt', channel, user, seq }));
    conn.push(frame);
  }
}
