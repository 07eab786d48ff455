/** LocalChannel (src/core/local-channel.ts): replays to a connection, then live delivery. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientConnection } from '../../src/core/connection.js';
import { Flusher } from '../../src/core/flusher.js';
import { LocalChannel } from '../../src/core/local-channel.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { ReadQuery, StoredMessage } from '../../src/store/store.js';
import type { TransportConnection } from '../../src/transport/transport.js';

const DM = 'dm:ann:bob';

/** A DM of `stored` messages, its store's reads counted, and a connection recording its frames. */
async function setup(stored: number) {
  const store = new MemoryStore();
  await store.createChannel(DM, 'dm', 'ann', 1, ['ann', 'bob']);
  const append = (seq: number) =>
    store.append({ channel: DM, cid: `c${seq}`, from: 'ann', text: `m${seq}`, ts: seq });
  for (let seq = 1; seq <= stored; seq++) await append(seq);
  const reads: ReadQuery[] = [];
  const read = store.read.bind(store);
  store.read = (channel: string, query: ReadQuery): Promise<StoredMessage[]> => {
    reads.push(query);
    return read(channel, query);
  };
  const turns: (() => void)[] = [];
  const flusher = new Flusher((fn) => turns.push(fn));
  const flush = () => {
    while (turns.length > 0) turns.shift()!();
  };
  const frames: string[] = [];
  const transport: TransportConnection = {
    remoteAddress: '127.0.0.1',
    bufferedAmount: 0,
    send: (data) => frames.push(...String(data).split('\n')),
    close: () => {},
  };
  const limits = { maxBufferedBytes: 1 << 20, rateLimit: 100, rateBurst: 100, floodLimit: 10 };
  const conn = new ClientConnection(1, transport, flusher, limits, () => {}, Date.now());
  const ch = new LocalChannel(
    DM,
    store,
    flusher,
    () => Promise.resolve(),
    (err) => assert.fail(String(err)),
  );
  await ch.ready;
  const seqs = () => frames.map((f) => (JSON.parse(f) as { seq: number }).seq);
  return { store, append, reads, ch, conn, flush, seqs };
}

describe('LocalChannel catch-up', () => {
  it('replays from the head without reading the store, then delivers what follows', async () => {
    const { append, reads, ch, conn, flush, seqs } = await setup(2);
    const result = await ch.catchUp(conn, 2);
    assert.deepEqual([reads.length, result.seq, result.truncated], [0, 2, false]);
    ch.deliver((await append(3)).message);
    flush();
    assert.deepEqual(seqs(), [3]);
  });

  it('replays a first DM from 0 without reading the store when nothing is stored yet', async () => {
    const { append, reads, ch, conn, flush, seqs } = await setup(0);
    await ch.catchUp(conn, 0);
    ch.deliver((await append(1)).message);
    flush();
    assert.deepEqual([reads.length, seqs()], [0, [1]]);
  });

  it('reads what lies between the position and the head from the store', async () => {
    const { reads, ch, conn, flush, seqs } = await setup(3);
    const result = await ch.catchUp(conn, 1);
    flush();
    assert.deepEqual([reads.length, result.seq, seqs()], [1, 3, [2, 3]]);
  });

  it('keeps a connection ahead of the head filtered, without reading the store', async () => {
    const { append, reads, ch, conn, flush, seqs } = await setup(1);
    await ch.catchUp(conn, 2);
    ch.deliver((await append(2)).message);
    ch.deliver((await append(3)).message);
    flush();
    assert.deepEqual([reads.length, seqs()], [0, [3]]);
  });
});
