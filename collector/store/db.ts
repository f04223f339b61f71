// Opening the collector's SQLite database: WAL, pragmas, and the numbered migrations in one transaction each.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const DB_FILE = 'hawatch.sqlite';

export const openDb = (dataDir: string, migrations: readonly Migration[] = MIGRATIONS): Db => {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, DB_FILE);
  let db: Db;
  try {
    db = new Database(path);
  } catch (e) {
    throw new StoreError('store.open', `cannot open ${path}: ${(e as Error).message}`, { cause: e });
  }
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a process crash; only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db, migrations);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
};

/**
 * Apply every migration this database has not recorded, in version order. By the set of applied versions, not the
 * highest: numbering has independent ranges (core 1+, alert delivery 100+), so a database at 100 still needs a
 * core migration 4 written after it. A recorded version this build does not know means a newer hawatch wrote it.
 */
export const migrate = (db: Db, migrations: readonly Migration[]): void => {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL) STRICT');
  const applied = new Set((db.prepare('SELECT version FROM schema_version').all() as { version: number }[]).map((r) => r.version));
  const versions = migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new StoreError('store.migrations', `duplicate migration versions: ${versions.join(', ')}`);
  const unknown = [...applied].filter((v) => !versions.includes(v)).sort((a, b) => a - b);
  if (unknown.length > 0) {
    throw new StoreError('store.too_new', `database has schema version(s) ${unknown.join(', ')} that this hawatch does not know (a newer hawatch wrote it); refusing to touch it`);
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version, name, applied_ms) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
  }
};
