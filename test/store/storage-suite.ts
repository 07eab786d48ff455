/**
 * What the storage conformance suites (test/store/conformance.ts, and
 * test/auth/session-store-conformance.ts for the sessions kept in the same database) share: the
 * factory a backend's test file gives them, the context a case runs in, and the runner that
 * skips declared gaps and closes every store a case opened.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { StoreOptions } from '../../src/store/store.js';
import type { ReleaseCopy } from './fixtures/release.js';

interface Closable {
  close(): Promise<void>;
}

export interface StorageFactory<S extends Closable> {
  /** The url of a new, empty store of this backend (`memory:`, `sqlite:<file>`, `postgres://…`). */
  fresh(): Promise<string>;
  /** Opens the store at `url` with the backend's class, migrating it if needed. */
  open(url: string, options?: StoreOptions): Promise<S>;
  /** A new store holding a copy of test/store/fixtures/release, if the backend has one. */
  release?(): Promise<ReleaseCopy>;
}

/** Functions, not methods: cases destructure them. */
export interface StorageContext<S extends Closable> {
  /** A new, empty store; closed after the case. */
  open: (options?: StoreOptions) => Promise<S>;
  /** The url of a new, empty store. */
  fresh: () => Promise<string>;
  /** Opens the store at `url`, as often as asked; each is closed after the case. */
  openAt: (url: string, options?: StoreOptions) => Promise<S>;
  /** A copy of the release 0.1.0 fixture; the case fails without it unless declared a gap. */
  release: (() => Promise<ReleaseCopy>) | undefined;
}

export interface StorageCase<S extends Closable> {
  title: string;
  run: (ctx: StorageContext<S>) => Promise<void>;
}

/** Registers `cases` under `title`; the ids in `gaps` must be cases and are skipped. */
export function storageSuite<S extends Closable>(
  title: string,
  cases: Record<string, StorageCase<S>>,
  factory: StorageFactory<S>,
  gaps: string[] = [],
): void {
  for (const gap of gaps) {
    if (!(gap in cases)) throw new Error(`${title}: unknown case in gaps: ${gap}`);
  }

  describe(title, () => {
    let opened: S[] = [];
    const openAt = async (url: string, options?: StoreOptions): Promise<S> => {
      const store = await factory.open(url, options);
      opened.push(store);
      return store;
    };
    const ctx: StorageContext<S> = {
      open: async (options) => openAt(await factory.fresh(), options),
      fresh: () => factory.fresh(),
      openAt,
      release: factory.release?.bind(factory),
    };

    afterEach(async () => {
      await Promise.all(opened.map((s) => s.close()));
      opened = [];
    });

    for (const [id, { title: caseTitle, run }] of Object.entries(cases)) {
      const skip = gaps.includes(id) ? `declared gap: ${id}` : false;
      it(caseTitle, { skip }, () => run(ctx));
    }
  });
}

/** Asserts that `call` rejects SB_ERR_STORE_UNAVAILABLE with the driver error as its cause. */
export async function assertUnavailable(call: Promise<unknown>): Promise<void> {
  const err = await call.then(
    () => assert.fail('resolved on a closed store'),
    (e: unknown) => e,
  );
  assert.equal((err as { code?: string }).code, 'SB_ERR_STORE_UNAVAILABLE');
  assert.ok((err as Error).cause instanceof Error);
}
