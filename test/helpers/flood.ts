/** Load for seam tests: one writer sending as fast as its node answers, bounded. */
import type { ProtocolClient } from './protocol-client.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends from one writer as fast as the node answers, with up to `window` sends in flight, until
 * `stop()` or `max`, at most `perMs` per millisecond; `done` resolves with the count once all
 * are answered.
 */
export function flood(
  writer: ProtocolClient,
  room: string,
  max: number,
  window: number,
  perMs = 4,
) {
  let stopped = false;
  const answered = (i: number) => (f: { type: string; id?: unknown }) =>
    f.type === 'reply' && f.id === `f${i}`;
  const done = (async () => {
    let i = 0;
    for (; i < max && !stopped; i++) {
      if (i >= window) await writer.waitFor(answered(i - window), 60_000);
      writer.send({ type: 'send', id: `f${i}`, room, text: `${writer.user} ${i}`, cid: `f${i}` });
      if (i % perMs === perMs - 1) await sleep(1);
    }
    if (i > 0) await writer.waitFor(answered(i - 1), 60_000);
    return i;
  })();
  return {
    done,
    stop() {
      stopped = true;
    },
  };
}
