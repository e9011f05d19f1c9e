// Applies pending migrations in order, all in one transaction under an advisory lock so that
// concurrent controllers (or `migrate` racing `serve`) apply each migration exactly once.
import type pg from 'pg';
import { MIGRATIONS } from './migrations/index.js';
import { createDb } from './pool.js';
import type { Migration } from './migrations/index.js';

/** Arbitrary constant identifying the controller's migration lock. */
const MIGRATION_LOCK_KEY = 7_420_104_511;

export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  return createDb(pool).tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await q.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         id text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await q.query<{ id: string }>('SELECT id FROM schema_migrations');
    const done = new Set(rows.map((r) => r.id));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await q.query(m.sql);
      await q.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
      applied.push(m.id);
    }
    return applied;
  });
}
