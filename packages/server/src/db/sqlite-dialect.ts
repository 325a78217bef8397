import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';

/**
 * Kysely ships a SQLite dialect written against better-sqlite3's interface. Node's built-in
 * `node:sqlite` is close to it; this adapter fills the gaps (statement `reader`, array
 * parameters, booleans) so the embedded default needs no native addon.
 */
function toSqliteValue(value: unknown): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value as SQLInputValue;
}

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  readonly #statement: StatementSync;

  constructor(statement: StatementSync) {
    this.#statement = statement;
    this.reader = statement.columns().length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#statement.all(...parameters.map(toSqliteValue));
  }

  run(parameters: ReadonlyArray<unknown>) {
    const { changes, lastInsertRowid } = this.#statement.run(...parameters.map(toSqliteValue));
    return { changes, lastInsertRowid };
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#statement.iterate(...parameters.map(toSqliteValue));
  }
}

/** Stands in for a statement with nothing to do. */
const NO_OP: SqliteStatement = {
  reader: false,
  all: () => [],
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
  iterate: () => [][Symbol.iterator](),
};

class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  prepare(sql: string): SqliteStatement {
    // SQLite ends a transaction by itself when a write fails with a full disk (or an I/O error);
    // Kysely's rollback then fails with "no transaction is active" and hides the real error
    // (which callers must see: a full disk is a 507, and a delete frees room and retries).
    if (/^\s*rollback\s*$/i.test(sql) && !this.#db.isTransaction) return NO_OP;
    return new NodeSqliteStatement(this.#db.prepare(sql));
  }

  close(): void {
    this.#db.close();
  }
}

export function openSqlite(file: string, busyTimeoutMs: number): SqliteDialect {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  return new SqliteDialect({
    database: async () => {
      const db = new DatabaseSync(file);
      // It holds API key hashes and the signing secret: its user's alone, whoever created it
      // (SQLite gives the WAL and shared-memory files the database file's mode).
      if (file !== ':memory:') chmodSync(file, 0o600);
      // WAL lets the CLI manage keys while the server runs; the busy timeout makes the
      // second writer wait for the lock instead of failing at once. Past it the write fails
      // with SQLITE_BUSY, which requests answer as 503 with Retry-After (db/unavailable.ts).
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
      db.exec('PRAGMA foreign_keys = ON');
      db.exec('PRAGMA synchronous = NORMAL');
      return new NodeSqliteDatabase(db);
    },
  });
}
