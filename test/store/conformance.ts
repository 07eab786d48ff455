/**
 * The one Store conformance suite (guarantees documented in src/store/message-store.ts,
 * src/store/channel-store.ts and src/store/moderation-store.ts). Every backend's test file calls
 * `storeConformance` with a factory;
 * a backend that cannot honour a case declares its id in `gaps` and the case is skipped with the
 * reason shown. Each case opens fresh stores and the suite closes them afterwards.
 */
import type { Store } from '../../src/store/store.js';
import { API_KEY_CASES } from './cases/api-keys.js';
import { CHANNEL_CASES } from './cases/channels.js';
import { DURABILITY_CASES } from './cases/durability.js';
import { EVENT_CASES } from './cases/events.js';
import { MENTION_CASES } from './cases/mentions.js';
import { MESSAGE_CASES } from './cases/messages.js';
import { MODERATION_CASES } from './cases/moderation.js';
import { VERSIONS_PREVIEWS_CASES } from './cases/versions-previews.js';
import { UPLOAD_CASES } from './cases/uploads.js';
import { THREAD_CASES } from './cases/threads.js';
import { PUSH_CASES } from './cases/push.js';
import { WEBHOOK_CASES } from './cases/webhooks.js';
import { storageSuite, type StorageCase, type StorageFactory } from './storage-suite.js';

export type StoreFactory = StorageFactory<Store>;

export const STORE_CASES: Record<string, StorageCase<Store>> = {
  ...MESSAGE_CASES,
  ...EVENT_CASES,
  ...VERSIONS_PREVIEWS_CASES,
  ...CHANNEL_CASES,
  ...DURABILITY_CASES,
  ...MODERATION_CASES,
  ...MENTION_CASES,
  ...UPLOAD_CASES,
  ...THREAD_CASES,
  ...API_KEY_CASES,
  ...PUSH_CASES,
  ...WEBHOOK_CASES,
};

/**
 * `part: [k, n]` registers only every n-th case from the k-th (1-based), so a backend whose
 * stores are slow to make (several databases per case) can spread the suite over n files, each
 * within the per-file test timeout; together the parts run every case.
 */
export function storeConformance(
  name: string,
  factory: StoreFactory,
  options: { gaps?: string[]; part?: [number, number] } = {},
): void {
  const [k, n] = options.part ?? [1, 1];
  const cases = Object.fromEntries(Object.entries(STORE_CASES).filter((_, i) => i % n === k - 1));
  const gaps = (options.gaps ?? []).filter((id) => id in cases);
  const title = n === 1 ? name : `${name}, part ${k} of ${n}`;
  storageSuite(`Store conformance: ${title}`, cases, factory, gaps);
}
