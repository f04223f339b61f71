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
  migrate(db, migrations);
  return db;
};

export const migrate = (db: Db, migrations: readonly Migration[]): void => {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL) STRICT');
  const current = (db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
  const newest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  if (current > newest) {
    throw new StoreError('store.too_new', `database schema version ${current} is newer than this hawatch (${newest}); refusing to touch it`);
  }
  const versions = migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new StoreError('store.migrations', `duplicate migration versions: ${versions.join(', ')}`);
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version, name, applied_ms) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
  }
};
