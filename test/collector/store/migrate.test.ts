// Migrations by the set of applied versions: a database written before a core migration was added (its highest
// version being the alert-delivery 100) gets that migration on the next start; a newer database is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE, migrate, openDb, StoreError } from '../../../collector/store/db.js';
import { MIGRATIONS } from '../../../collector/store/migrations.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hawatch-migrate-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const versionsOf = (db: Database.Database) => (db.prepare('SELECT version FROM schema_version ORDER BY version').all() as { version: number }[]).map((r) => r.version);
const columns = (db: Database.Database, table: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);

describe('store migrations', () => {
  it('a fresh database gets every migration, in version order', () => {
    const db = openDb(tempDir());
    expect(versionsOf(db)).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    db.close();
  });

  it('a database from before migration 4 (at 1, 2, 3 and 100) gets 4 on open, with its data kept', () => {
    const dir = tempDir();
    const old = new Database(join(dir, DB_FILE));
    migrate(old, MIGRATIONS.filter((m) => m.version <= 3 || m.version === 100));
    old.prepare("INSERT INTO subscriptions (id, name, protocol, destination, context, secret, created_ms, created_by) VALUES ('s1', 'x', 'webhook', 'http://127.0.0.1:9/', NULL, NULL, 1, 'ops')").run();
    expect(columns(old, 'alerts')).not.toContain('acked_ms');
    old.close();

    const db = openDb(dir);
    expect(versionsOf(db)).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    expect(columns(db, 'alerts')).toEqual(expect.arrayContaining(['acked_ms', 'acked_by']));
    expect(columns(db, 'silences')).toContain('matchers');
    expect(db.prepare('SELECT count(*) AS n FROM subscriptions').get()).toEqual({ n: 1 });
    db.close();
  });

  it('a version this build does not know is refused, and nothing is changed', () => {
    const dir = tempDir();
    const db = openDb(dir);
    db.prepare("INSERT INTO schema_version (version, name, applied_ms) VALUES (9999, 'from a newer hawatch', 1)").run();
    db.close();
    expect(() => openDb(dir)).toThrow(StoreError);
    expect(() => openDb(dir)).toThrow(/schema version\(s\) 9999/);
  });
});
