// SQLite's hot writes must not open an ephemeral table: SQLite builds one (a temporary B-tree
// with its own 87 KB page cache, allocated and freed per statement) for a RETURNING clause, and
// in a process whose heap top sat at glibc's trim threshold that made an append cost 6× the CPU
// (bench/README.md, "What RETURNING cost"). Checked on the statements the store really prepares,
// with EXPLAIN.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite.js';

/** The statements run for every message appended or read position moved, by what they start with. */
const HOT = [
  /^SELECT last_seq FROM channels WHERE/,
  /^INSERT INTO messages /,
  /^UPDATE channels SET last_seq = /,
  /^INSERT INTO search_docs /,
  /^UPDATE members SET read_seq = /,
  /^SELECT read_seq FROM members /,
  /^UPDATE thread_follows SET read_seq = /,
  /^SELECT read_seq FROM thread_follows /,
  /^INSERT INTO webhook_events /,
];

const dir = mkdtempSync(join(tmpdir(), 'switchboard-sqlite-statements-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every SQL text the store prepares while it opens. */
function preparedByStore(path: string): string[] {
  const seen: string[] = [];
  // Kept to be called with the database as `this`, and put back after.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (this: Database.Database, source: string) {
    seen.push(source.replace(/\s+/g, ' ').trim());
    return prepare.call(this, source);
  } as typeof prepare;
  try {
    void new SqliteStore(path).close();
  } finally {
    Database.prototype.prepare = prepare;
  }
  return seen;
}

describe('SqliteStore statements', () => {
  it('opens no ephemeral table in the statements of an append or a read move', () => {
    const path = join(dir, 'store.db');
    const statements = preparedByStore(path);
    const db = new Database(path, { readonly: true });
    try {
      for (const pattern of HOT) {
        const matching = statements.filter((s) => pattern.test(s));
        assert.ok(matching.length > 0, `no statement prepared matches ${pattern}`);
        for (const sql of matching) {
          const params = Array<null>(countParams(sql)).fill(null);
          const rows = db.prepare(`EXPLAIN ${sql}`).all(...params) as { opcode: string }[];
          const ops = rows.map((r) => r.opcode);
          assert.ok(!ops.includes('OpenEphemeral'), `an ephemeral table in: ${sql}`);
        }
      }
    } finally {
      db.close();
    }
  });
});

/** The `?` parameters of a statement with positional parameters only (the hot ones). */
function countParams(sql: string): number {
  assert.ok(!/[@:$]\w/.test(sql.replace(/'[^']*'/g, '')), `named parameters in: ${sql}`);
  return (sql.match(/\?/g) ?? []).length;
}
