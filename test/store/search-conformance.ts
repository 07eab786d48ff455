/**
 * The one search conformance suite (guarantees documented in src/store/search-index.ts, query
 * rules in docs/search.md). Every backend's test file calls `searchConformance` with its factory;
 * a backend that cannot honour a case declares its id in `gaps`.
 */
import type { Store } from '../../src/store/store.js';
import { SEARCH_CASES } from './cases/search.js';
import { storageSuite, type StorageFactory } from './storage-suite.js';

export function searchConformance(
  name: string,
  factory: StorageFactory<Store>,
  options: { gaps?: (keyof typeof SEARCH_CASES)[] } = {},
): void {
  storageSuite(`Search conformance: ${name}`, SEARCH_CASES, factory, options.gaps);
}
