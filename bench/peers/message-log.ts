/**
 * The message log of the storing Socket.IO peer (`--peer-store`, bench/README.md): what a
 * Socket.IO app that keeps its messages does the plain way. One INSERT per message, awaited
 * before the message is emitted, into a store as durable as Switchboard's: SQLite in WAL mode
 * with `synchronous=FULL`, one file shared by every node, or PostgreSQL (the runner starts it
 * with fsync on), one pool per node. No group commit, no dedupe, no membership or block checks,
 * no read positions: the least work a stored message takes, so that the rows it yields say what
 * storing costs a Socket.IO app, beside the peer that stores nothing.
 */
import Database from 'better-sqlite3';
import pg from 'pg';

/** A stored message as the peer emits it: the row's id and what was sent. */
export interface LoggedMessage {
  id: number;
  /** The room, or the two handles of a DM sorted and joined by '|'. */
  conversation: string;
  from: string;
  text: string;
  ts: number;
}

export interface MessageLog {
  /** Rejects (never throws) when the store refuses the write: the peer then emits nothing. */
  append(conversation: string, from: string, text: string): Promise<LoggedMessage>;
}

/** The table, with the id column's type of each database. */
const table = (idType: string): string => `CREATE TABLE IF NOT EXISTS messages (
  id ${idType} PRIMARY KEY,
  conversation TEXT NOT NULL,
  sender TEXT NOT NULL,
  text TEXT NOT NULL,
  ts BIGINT NOT NULL
)`;
/** A conversation's history, newest first: what any chat app reads its messages by. */
const INDEX = 'CREATE INDEX IF NOT EXISTS messages_conversation ON messages (conversation, id)';

/** The conversation of a DM between two handles: the same key whoever sends. */
export const dmConversation = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** `spec`: `sqlite:<file>` or a `postgres://` URL. */
export async function openMessageLog(spec: string): Promise<MessageLog> {
  if (spec.startsWith('sqlite:')) return openSqlite(spec.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(spec)) return openPostgres(spec);
  throw new Error(`PEER_STORE: sqlite:<file> or postgres://…, not ${spec}`);
}

function openSqlite(file: string): MessageLog {
  // The nodes start one after another: the first creates the table, the others find it.
  const db = new Database(file, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(table('INTEGER'));
  db.exec(INDEX);
  const insert = db.prepare(
    'INSERT INTO messages (conversation, sender, text, ts) VALUES (?, ?, ?, ?)',
  );
  return {
    // async: a driver error (busy past the timeout, disk full) rejects instead of throwing out
    // of the peer's socket handler.
    append: async (conversation, from, text) => {
      const ts = Date.now();
      // Its own transaction, committed (one WAL fsync) before the message is emitted.
      const id = Number(insert.run(conversation, from, text, ts).lastInsertRowid);
      return { id, conversation, from, text, ts };
    },
  };
}

async function openPostgres(url: string): Promise<MessageLog> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query(table('BIGINT GENERATED ALWAYS AS IDENTITY'));
  await pool.query(INDEX);
  return {
    append: async (conversation, from, text) => {
      const ts = Date.now();
      const { rows } = await pool.query<{ id: string }>({
        name: 'append',
        text: 'INSERT INTO messages (conversation, sender, text, ts) VALUES ($1, $2, $3, $4) RETURNING id',
        values: [conversation, from, text, ts],
      });
      return { id: Number(rows[0]!.id), conversation, from, text, ts };
    },
  };
}
