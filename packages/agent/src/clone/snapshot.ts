// The consistent view of a running source that a database dump and a filestore copy share, on one
// server (steps/data.ts) and across two (transfer/send.ts).
import type pg from 'pg';
import type { ClonePlan } from '@oec/shared';
import type { TaskContext } from '../tasks/types.js';

/**
 * Run `fn` with the source held consistent: for a running source, a session that exported the
 * snapshot every dump reads and, when files are copied, holds `LOCK ir_attachment IN ROW
 * EXCLUSIVE MODE` until `fn` ends (Odoo's filestore GC needs SHARE mode, so no referenced file
 * vanishes mid-copy). A stopped source needs neither: `fn(null, null)`.
 */
export async function withSourceSnapshot<T>(
  plan: ClonePlan,
  ctx: TaskContext,
  fn: (session: pg.ClientBase | null, snapshot: string | null) => Promise<T>,
): Promise<T> {
  if (plan.source.status !== 'RUNNING') return fn(null, null);
  return ctx.runtime.withDatabase(plan.source.db_name, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      const exported = await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s');
      if (plan.include_filestore) {
        await client.query("SET LOCAL lock_timeout = '10s'");
        const hasTable = await client.query<{ t: string | null }>("SELECT to_regclass('ir_attachment')::text AS t");
        if (hasTable.rows[0]?.t) await client.query('LOCK TABLE ir_attachment IN ROW EXCLUSIVE MODE');
      }
      return await fn(client, exported.rows[0]?.s ?? null);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
}
