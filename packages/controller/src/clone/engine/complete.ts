// The end of a successful run. create_new: the target becomes a normal RUNNING environment
// (filestore path and connection from its agent: env.create is idempotent and only locates an
// existing environment). replace: the target keeps its row and takes the source's addons; its
// old data is recorded for purging after the retention period. Leases go in the same
// transaction as the status.
import { AppError, ErrorCode } from '@oec/shared';
import type { EnvironmentLocation } from '@oec/shared';
import { completeStep } from '../model/steps-state.js';
import { releaseLeases } from '../store/leases.js';
import { completeOperation } from '../store/operations.js';
import { runOrAttach } from './resume.js';
import { RunStopped } from './tracker.js';
import type { Run } from './tracker.js';

export async function completeRun(r: Run): Promise<void> {
  const { d, t, op } = r;
  let location: EnvironmentLocation | null = null;
  if (op.mode === 'create_new') {
    location = await runOrAttach(r, op.server_id, 'env.create', op.plan.target, {
      fence: { operation_id: op.id, attempt: op.attempt },
      environmentId: op.target_environment_id,
    });
  }
  await t.flush();
  const now = d.clock.now();
  const steps = completeStep(t.steps, 'verifying', now);
  const done = await d.db.tx(async (q) => {
    if (!(await completeOperation(q, op.id, { attempt: op.attempt, owner: d.replica.id }, steps, now))) return false;
    if (location) {
      const { rowCount } = await q.query(
        `UPDATE environments SET status = 'RUNNING', filestore_path = $2, connection = $3, last_error = NULL, updated_at = $4
          WHERE id = $1`,
        [op.target_environment_id, location.filestore_path, JSON.stringify(location.connection), now],
      );
      if (!rowCount) throw new AppError(ErrorCode.VERIFICATION_FAILED, 'The target environment row disappeared', { step: 'verifying' });
    } else {
      await q.query('UPDATE environments SET addons = $2, updated_at = $3 WHERE id = $1', [
        op.target_environment_id,
        JSON.stringify(op.plan.target.addons),
        now,
      ]);
      const purgeAfter = new Date(now.getTime() + d.settings.replaceRetentionHours * 3600_000);
      await q.query(
        `INSERT INTO clone_retained (operation_id, environment_id, server_id, db_name, retained_db, purge_after)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [op.id, op.target_environment_id, op.server_id, op.plan.target.db_name, op.plan.retained_db, purgeAfter],
      );
    }
    await releaseLeases(q, op.id);
    return true;
  });
  if (!done) throw new RunStopped();
  t.steps = steps;
  t.log('INFO', 'verifying', op.mode === 'replace'
    ? `Clone completed successfully; ${op.target_name}'s previous data is kept until ${new Date(now.getTime() + d.settings.replaceRetentionHours * 3600_000).toISOString()}`
    : `Clone completed successfully: ${op.target_name} is RUNNING`);
  d.events.emit(op.id);
}
