// Cleanup of a failed or cancelled operation: clone.cleanup on the agent (under a new fencing
// attempt, so nothing of the old one can still land), then the rows: a create_new target is
// deleted (releasing its quota) or, when kept for debugging or when cleanup failed, left
// FAILED; a replace target is untouched (the agent swapped back if needed). Leases go last.
// Without its agent the cleanup waits ('deferred') and the sweeper tries again. A cleanup the
// agent could not finish (its PostgreSQL restarting: "the database system is shutting down") is
// tried again after a pause, a bounded number of times, before it counts as failed.
import { ErrorCode, isAppError } from '@oec/shared';
import type { LogLevel } from '@oec/shared';
import { isFailedOrCancelled } from '../model/status.js';
import { releaseLeases } from '../store/leases.js';
import { appendLog } from '../store/logs.js';
import type { OperationRow } from '../store/operation-row.js';
import { bumpAttempt, loadOperation, setCleanup } from '../store/operations.js';
import type { RunnerDeps } from './deps.js';

export type CleanupOutcome = 'done' | 'failed' | 'deferred' | 'skipped';

/** Pauses before the second and third try of a cleanup the agent failed. */
export const CLEANUP_RETRY_DELAYS_MS = [3000, 10_000];

async function log(d: RunnerDeps, op: OperationRow, level: LogLevel, message: string): Promise<void> {
  await appendLog(d.db, op.id, { ts: d.clock.now(), level, step: null, message });
  d.events.emit(op.id);
}

async function finish(d: RunnerDeps, op: OperationRow, ok: boolean): Promise<void> {
  await d.db.tx(async (q) => {
    if (op.mode === 'create_new') {
      if (ok && !op.keep_target) {
        await q.query('DELETE FROM environments WHERE id = $1', [op.target_environment_id]);
      } else {
        await q.query(
          `UPDATE environments SET status = 'FAILED', action = NULL, last_error = $2, updated_at = now() WHERE id = $1`,
          [op.target_environment_id, JSON.stringify({ ...op.error, operation_id: op.id })],
        );
      }
    }
    await releaseLeases(q, op.id);
    await setCleanup(q, op.id, ok ? 'done' : 'failed');
  });
  d.events.emit(op.id);
}

export async function cleanupOperation(d: RunnerDeps, operationId: string): Promise<CleanupOutcome> {
  const op = await loadOperation(d.db, operationId);
  if (!op || op.cleanup !== 'pending' || !isFailedOrCancelled(op.status)) return 'skipped';
  if (op.agent_touched) {
    if (!d.hub.isConnected(op.server_id)) return 'deferred';
    if (op.mode === 'create_new' && !op.keep_target) {
      await d.db.query(`UPDATE environments SET status = 'DESTROYING', updated_at = now() WHERE id = $1`, [op.target_environment_id]);
    }
    await log(d, op, 'INFO', op.keep_target ? `Cleaning up: keeping ${op.target_name} stopped for debugging` : 'Cleaning up what the operation created');
    for (let tried = 0; ; tried++) {
      const attempt = await bumpAttempt(d.db, op.id);
      try {
        const out = await d.hub.runTask(
          op.server_id,
          'clone.cleanup',
          { ...op.plan, keep_target: op.keep_target },
          { fence: { operation_id: op.id, attempt }, environmentId: op.target_environment_id },
        );
        const what = [...out.removed, ...(out.swapped_back ? ['the swap (target back on its old data)'] : [])];
        await log(d, op, 'INFO', `Cleanup done${what.length ? `: removed ${what.join(', ')}` : ''}`);
        break;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (isAppError(err) && err.code === ErrorCode.AGENT_LOST) {
          await log(d, op, 'WARNING', `Cleanup waits for the agent to come back (${message})`);
          return 'deferred';
        }
        d.logger.warn({ err, operationId: op.id }, 'clone cleanup failed');
        const pause = CLEANUP_RETRY_DELAYS_MS[tried];
        if (pause !== undefined) {
          await log(d, op, 'WARNING', `Cleanup failed (${message}); trying again in ${Math.round(pause / 1000)} s`);
          await new Promise((resolve) => setTimeout(resolve, pause));
          continue;
        }
        await log(d, op, 'ERROR', `Cleanup failed: ${message}`);
        await finish(d, op, false);
        return 'failed';
      }
    }
  } else {
    await log(d, op, 'INFO', 'Cleanup done: nothing was created on the server');
  }
  await finish(d, op, true);
  return 'done';
}
