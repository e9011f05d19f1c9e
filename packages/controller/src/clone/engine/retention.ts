// The replaced data a replace kept: once its purge_after has passed and its server's agent is
// connected, clone.purge_retained drops it. A replica claims a purge by moving its purge_after
// CLAIM_MINUTES ahead (so two replicas never purge the same data at once); a failure is
// recorded and retried once that claim has run out.
import type { RunnerDeps } from './deps.js';

interface DueRow {
  operation_id: string;
  environment_id: string;
  server_id: string;
  db_name: string;
  retained_db: string;
  attempt: number;
}

const CLAIM_MINUTES = 10;

export async function purgeDue(d: RunnerDeps, busy: Set<string>): Promise<number> {
  const { rows } = await d.db.query<DueRow>(
    `SELECT r.operation_id, r.environment_id, r.server_id, r.db_name, r.retained_db, o.attempt
       FROM clone_retained r JOIN clone_operations o ON o.id = r.operation_id
      WHERE r.purged_at IS NULL AND r.purge_after <= $1
      ORDER BY r.purge_after LIMIT 20`,
    [d.clock.now()],
  );
  let purged = 0;
  for (const r of rows) {
    if (busy.has(r.operation_id) || !d.hub.isConnected(r.server_id)) continue;
    const claimed = await d.db.query(
      `UPDATE clone_retained SET purge_after = now() + interval '${CLAIM_MINUTES} minutes'
        WHERE operation_id = $1 AND purged_at IS NULL AND purge_after <= $2`,
      [r.operation_id, d.clock.now()],
    );
    if (!claimed.rowCount) continue;
    busy.add(r.operation_id);
    try {
      await d.hub.runTask(
        r.server_id,
        'clone.purge_retained',
        { environment_id: r.environment_id, db_name: r.db_name, retained_db: r.retained_db, operation_id: r.operation_id },
        { fence: { operation_id: r.operation_id, attempt: r.attempt } },
      );
      await d.db.query('UPDATE clone_retained SET purged_at = $2, last_error = NULL WHERE operation_id = $1', [
        r.operation_id,
        d.clock.now(),
      ]);
      purged++;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      d.logger.warn({ err, operationId: r.operation_id }, 'purging retained clone data failed');
      await d.db.query('UPDATE clone_retained SET last_error = $2 WHERE operation_id = $1', [
        r.operation_id,
        JSON.stringify({ message, at: d.clock.now().toISOString() }),
      ]);
    } finally {
      busy.delete(r.operation_id);
    }
  }
  return purged;
}
