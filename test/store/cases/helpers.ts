/** What the Store conformance cases share: the context they run in and small builders. */
import type { NewMessage, Store, StoreOptions } from '../../../src/store/store.js';
import type { StorageCase, StorageContext } from '../storage-suite.js';

export type StoreCaseContext = StorageContext<Store>;
export type StoreCase = StorageCase<Store>;

export const ROOM = 'room:dev';
export const DM = 'dm:ann:bob';
export const T0 = 1_700_000_000_000;

export function msg(cid: string, from = 'ann', channel = ROOM): NewMessage {
  return { channel, cid, from, text: `text ${cid}`, ts: T0 };
}

/** A store with ROOM holding `count` messages (seq 1..count, cid m1..mN). */
export async function roomWith(
  open: StoreCaseContext['open'],
  count: number,
  options?: StoreOptions,
): Promise<Store> {
  const store = await open(options);
  await store.createChannel(ROOM, 'room', 'ann', T0);
  for (let i = 1; i <= count; i++) await store.append(msg(`m${i}`));
  return store;
}

export async function seqs(store: Store, query: Parameters<Store['read']>[1]): Promise<number[]> {
  return (await store.read(ROOM, query)).map((m) => m.seq);
}

export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
