/**
 * Client message ids (`cid`): what a sender makes up for each message so that a retry is stored
 * once. The SDK makes one per send, the HTTP API one per post without an Idempotency-Key.
 */

/** Two hex digits per byte value. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Random bytes drawn 4 KiB at a time: one getRandomValues call per id cost ~7 µs. */
let pool = new Uint8Array(0);
let poolAt = 0;

/**
 * A UUID version 7 (RFC 9562): the Unix time in milliseconds in the first 48 bits, then random
 * bits. Time-ordered, so the messages one sender stores in a channel land next to each other in
 * the store's (channel, sender, cid) index, where random UUIDs put every append on another B-tree
 * page (SQLite: 23 % more bytes written per append, bench/README.md "Time-ordered client ids").
 * getRandomValues works in an insecure context too, where crypto.randomUUID does not.
 */
export function newCid(now: number = Date.now()): string {
  if (poolAt + 10 > pool.length) {
    pool = globalThis.crypto.getRandomValues(new Uint8Array(4096));
    poolAt = 0;
  }
  const r = pool;
  const i = poolAt;
  poolAt += 10;
  let time = '';
  for (let k = 0, t = now; k < 6; k++, t = Math.floor(t / 256)) time = HEX[t % 256]! + time;
  return (
    `${time.slice(0, 8)}-${time.slice(8)}-` +
    `${HEX[(r[i]! & 0x0f) | 0x70]}${HEX[r[i + 1]!]}-` +
    `${HEX[(r[i + 2]! & 0x3f) | 0x80]}${HEX[r[i + 3]!]}-` +
    `${HEX[r[i + 4]!]}${HEX[r[i + 5]!]}${HEX[r[i + 6]!]}${HEX[r[i + 7]!]}${HEX[r[i + 8]!]}${HEX[r[i + 9]!]}`
  );
}
