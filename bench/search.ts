/**
 * Search latency (part of a plain run; alone: `--scenario search`): p50/p95 of `store.search.search` over N stored
 * messages (`--search-messages`, default 1,000,000 × --scale) on SqliteStore and PostgresStore
 * side by side, in this process (no server: the store is what is measured).
 *
 * The stores are opened empty (so migrated), then filled with the rows `append` writes
 * (messages, and the folded text in the search table) in bulk batches, which is much faster
 * than N appends and leaves the same data. The text is deterministic pseudo-words with a Zipf
 * distribution, with the hard cases of docs/search.md sprinkled in (a URL, foo.png, C++20,
 * 東京タワー, Café, an emoji, "the who"). Each query class then runs `--search-queries` times, each
 * time as a user reading 30 random channels of 200, limit 20. PostgreSQL is the test harness's
 * private server (skipped when the binaries are missing).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from '../src/store/postgres.js';
import { fold } from '../src/store/search-text.js';
import { FEED_SQL, SEARCH_FEED_DOCS } from '../src/store/sqlite-search.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { SearchQuery, Store } from '../src/store/store.js';
import { postgresBinary, startPostgres } from '../test/helpers/brokers/postgres.js';
import { fmtCount, note, status } from './lib/progress.js';
import { f, table } from './lib/report.js';

export type SearchScenarioName = 'search';
export const SEARCH_SCENARIOS: readonly SearchScenarioName[] = ['search'];

export interface SearchRunOptions {
  scale: number;
  /** Stored messages; default 1,000,000 × scale. */
  messages: number | undefined;
  /** Runs of each query class; default 50. */
  queries: number | undefined;
}

export interface SearchResult {
  store: 'sqlite' | 'postgres';
  messages: number;
  loadS: number;
  /** PostgreSQL: whether the pg_trgm index exists. */
  indexed: boolean;
  classes: { name: string; query: string; p50Ms: number; p95Ms: number; hits: number }[];
  all: { p50Ms: number; p95Ms: number };
}

const CHANNELS = 200;
const USERS = 500;
const VOCABULARY = 5000;
const READABLE = 30;
const BATCH = 5000;
const SPECIALS = [
  'see https://example.com/a?b=1',
  'foo.png attached',
  'built with C++20',
  '東京タワー',
  'Café au lait',
  'party 🎉',
  'the who',
];

/** Deterministic PRNG (mulberry32), so every run stores the same text. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qu', 'dr', 'on'];
const words = Array.from({ length: VOCABULARY }, (_, i) => {
  let w = '';
  for (let n = i + 7; w.length < 3 || n > 0; n = Math.floor(n / SYLLABLES.length))
    w += SYLLABLES[n % SYLLABLES.length];
  return w;
});
const channelName = (i: number): string =>
  i < CHANNELS * 0.75 ? `room:r${i}` : `dm:u${i}:u${i + USERS}`;

interface Row {
  channel: string;
  seq: number;
  sender: string;
  ts: number;
  text: string;
}

/** The N messages, in batches, oldest first. */
function* messages(n: number): Generator<Row[]> {
  const random = rng(42);
  const seqs = new Array<number>(CHANNELS).fill(0);
  const zipf = (): number => Math.floor(VOCABULARY ** random()) - 1;
  let batch: Row[] = [];
  for (let i = 0; i < n; i++) {
    const ch = Math.floor(random() * CHANNELS);
    const parts = Array.from({ length: 6 + Math.floor(random() * 10) }, () => words[zipf()]!);
    if (random() < 0.01) parts.splice(2, 0, SPECIALS[Math.floor(random() * SPECIALS.length)]!);
    batch.push({
      channel: channelName(ch),
      seq: ++seqs[ch]!,
      sender: `u${Math.floor(random() * USERS)}`,
      ts: 1_700_000_000_000 + i * 1000,
      text: parts.join(' '),
    });
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

const QUERIES: { name: string; query: string; from?: string }[] = [
  { name: 'common word', query: words[0]! },
  { name: 'rare word', query: words[3000]! },
  { name: 'two words', query: `${words[1]!} ${words[40]!}` },
  { name: 'phrase of stop words', query: '"the who"' },
  { name: 'url', query: 'https://example.com/a?b=1' },
  { name: 'cjk, 2 chars', query: '東京' },
  { name: 'accent', query: 'cafe' },
  { name: 'emoji', query: '🎉' },
  { name: 'word + from:', query: words[5]!, from: 'u7' },
  { name: 'absent word', query: 'zzzqqq' },
];

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

async function measure(store: Store, runs: number): Promise<Pick<SearchResult, 'classes' | 'all'>> {
  const random = rng(7);
  const all: number[] = [];
  const classes: SearchResult['classes'] = [];
  for (const q of QUERIES) {
    const times: number[] = [];
    let hits = 0;
    for (let r = 0; r < runs; r++) {
      const picked = new Set<number>();
      while (picked.size < READABLE) picked.add(Math.floor(random() * CHANNELS));
      const query: SearchQuery = {
        query: q.query,
        channels: [...picked].map((i) => ({ channel: channelName(i), floorSeq: 0 })),
        limit: 20,
        ...(q.from === undefined ? {} : { from: q.from }),
      };
      const t0 = performance.now();
      hits += (await store.search.search(query)).hits.length;
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    all.push(...times);
    classes.push({
      name: q.name,
      query: q.query,
      p50Ms: pct(times, 0.5),
      p95Ms: pct(times, 0.95),
      hits: hits / runs,
    });
  }
  all.sort((a, b) => a - b);
  return { classes, all: { p50Ms: pct(all, 0.5), p95Ms: pct(all, 0.95) } };
}

async function createChannels(store: Store): Promise<void> {
  for (let i = 0; i < CHANNELS; i++) {
    const ch = channelName(i);
    await store.createChannel(ch, ch.startsWith('dm:') ? 'dm' : 'room', 'u0', 0);
  }
}

async function benchSqlite(n: number, runs: number): Promise<SearchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-search-bench-'));
  try {
    const path = join(dir, 'store.db');
    const empty = new SqliteStore(path);
    await createChannels(empty);
    await empty.close();
    const started = performance.now();
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Each row keeps its document's id, as the store's own appends write it (migration 21):
    // deletes, edits and retention find the document through it.
    const message = db.prepare(
      'INSERT INTO messages (channel, seq, cid, sender, text, ts, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const doc = db.prepare(
      'INSERT INTO search_docs (channel, seq, sender, ts, body) VALUES (?, ?, ?, ?, ?)',
    );
    const head = db.prepare('UPDATE channels SET last_seq = max(last_seq, ?) WHERE channel = ?');
    const load = db.transaction((rows: Row[]) => {
      for (const r of rows) {
        const id = doc.run(r.channel, r.seq, r.sender, r.ts, fold(r.text)).lastInsertRowid;
        message.run(r.channel, r.seq, `c${r.seq}`, r.sender, r.text, r.ts, id);
        head.run(r.seq, r.channel);
      }
    });
    let done = 0;
    for (const rows of messages(n)) {
      load(rows);
      status(`search/sqlite: stored ${fmtCount((done += rows.length))} of ${fmtCount(n)}`);
    }
    // What the store's own commits would have fed to the full-text index by now: all but the
    // SEARCH_FEED_DOCS - 1 newest documents, which wait (the most a live store leaves waiting)
    // and which every search then scans.
    const top = db.prepare('SELECT coalesce(max(id), 0) FROM search_docs').pluck().get() as number;
    const fed = Math.max(0, top - (SEARCH_FEED_DOCS - 1));
    db.prepare(FEED_SQL.fill).run({ through: fed });
    db.prepare(FEED_SQL.mark).run({ through: fed });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('ANALYZE');
    const indexMb =
      (db.prepare('SELECT sum(length(block)) FROM search_fts_data').pluck().get() as number) / 1e6;
    db.close();
    const loadS = (performance.now() - started) / 1000;
    const store = new SqliteStore(path);
    try {
      note(
        `search/sqlite: ${fmtCount(n)} messages stored in ${f(loadS)} s, full-text index ${f(indexMb)} MB; querying`,
      );
      return {
        store: 'sqlite',
        messages: n,
        loadS,
        indexed: true,
        ...(await measure(store, runs)),
      };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(n: number, runs: number): Promise<SearchResult | null> {
  if (postgresBinary().skip) {
    note(`search/postgres: skipped (${String(postgresBinary().skip)})`);
    return null;
  }
  const broker = await startPostgres();
  try {
    const empty = await PostgresStore.open(broker.url);
    await createChannels(empty);
    await empty.close();
    const started = performance.now();
    const client = new pg.Client({ connectionString: broker.url });
    await client.connect();
    let done = 0;
    for (const rows of messages(n)) {
      const columns = [
        rows.map((r) => r.channel),
        rows.map((r) => r.seq),
        rows.map((r) => r.sender),
        rows.map((r) => r.ts),
      ];
      await client.query(
        `INSERT INTO messages (channel, seq, cid, sender, ts, text)
         SELECT c, s, 'c' || s, u, t, x
         FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[]) AS r (c, s, u, t, x)`,
        [...columns, rows.map((r) => r.text)],
      );
      await client.query(
        `INSERT INTO message_search (channel, seq, sender, ts, body)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[])`,
        [...columns, rows.map((r) => fold(r.text))],
      );
      status(`search/postgres: stored ${fmtCount((done += rows.length))} of ${fmtCount(n)}`);
    }
    await client.query(`UPDATE channels c SET last_seq = m.last FROM
      (SELECT channel, max(seq) AS last FROM messages GROUP BY channel) m WHERE m.channel = c.channel`);
    await client.query('VACUUM ANALYZE');
    await client.end();
    const loadS = (performance.now() - started) / 1000;
    const store = await PostgresStore.open(broker.url);
    try {
      note(`search/postgres: ${fmtCount(n)} messages stored in ${f(loadS)} s; querying`);
      const measured = await measure(store, runs);
      return {
        store: 'postgres',
        messages: n,
        loadS,
        indexed: store.search.trigramIndex,
        ...measured,
      };
    } finally {
      await store.close();
    }
  } finally {
    await broker.dispose();
  }
}

export async function runSearchScenario(options: SearchRunOptions): Promise<SearchResult[]> {
  const n = Math.max(1000, Math.round(options.messages ?? 1_000_000 * options.scale));
  const runs = options.queries ?? 50;
  const results = [await benchSqlite(n, runs)];
  const postgres = await benchPostgres(n, runs);
  if (postgres) results.push(postgres);
  return results;
}

export function renderSearch(results: SearchResult[]): string {
  if (results.length === 0) return '';
  const head = ['search', 'query', ...results.flatMap((r) => [`${r.store} p50`, `${r.store} p95`])];
  const rows = results[0]!.classes.map((c, i) => [
    c.name,
    c.query,
    ...results.flatMap((r) => [f(r.classes[i]!.p50Ms, 2), f(r.classes[i]!.p95Ms, 2)]),
  ]);
  rows.push(['all', '', ...results.flatMap((r) => [f(r.all.p50Ms, 2), f(r.all.p95Ms, 2)])]);
  const info = results
    .map(
      (r) =>
        `${r.store}: ${fmtCount(r.messages)} messages, loaded in ${f(r.loadS)} s` +
        (r.indexed ? '' : ', WITHOUT the trigram index'),
    )
    .join('; ');
  return `${table(head, rows)}\n(ms per search, limit 20, ${READABLE} readable channels of ${CHANNELS}; ${info})`;
}
