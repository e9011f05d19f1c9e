// Recovery of work whose controller replica is gone (at start and on every clone sweep): tasks
// and lifecycle actions that a stopped or dead replica was waiting for have nobody waiting for
// them any more. A replica is alive while its heartbeat (controller_replicas) is younger than
// `ttlMs`; work without an owner predates replicas. Tasks end as failed (AGENT_LOST) — except
// those of a clone operation that is still running, which the replica that takes the operation
// over attaches to (clone/engine/runner.ts) —, creations and destructions as FAILED environments
// that can be destroyed again; interrupted starts and stops just release their claim.
import { ErrorCode } from '@oec/shared';
import type { Queryable } from '../db/pool.js';

const DEAD = (column: string) => `(${column} IS NULL OR NOT EXISTS (
  SELECT 1 FROM controller_replicas r WHERE r.id = ${column} AND r.heartbeat_at > now() - make_interval(secs => $2::double precision / 1000)))`;

export async function recoverInterrupted(q: Queryable, ttlMs: number): Promise<{ tasks: number; environments: number }> {
  const error = JSON.stringify({
    code: ErrorCode.AGENT_LOST,
    message: 'The controller restarted while this was in progress',
    details: null,
    retryable: true,
  });
  const tasks = await q.query(
    `UPDATE tasks t SET status = 'failed', error = $1, finished_at = now(), updated_at = now()
      WHERE t.status IN ('queued', 'running') AND ${DEAD('t.owner')}
        AND (t.operation_id IS NULL OR EXISTS (
              SELECT 1 FROM clone_operations o
               WHERE o.id = t.operation_id AND (o.attempt > t.attempt OR o.status IN ('completed', 'failed', 'cancelled'))))`,
    [error, ttlMs],
  );
  const envs = await q.query(
    `UPDATE environments
        SET status = CASE WHEN action IN ('create', 'destroy') THEN 'FAILED' ELSE status END,
            last_error = CASE WHEN action IN ('create', 'destroy') THEN $1::jsonb || jsonb_build_object('action', action)
                              ELSE last_error END,
            action = NULL, action_owner = NULL, updated_at = now()
      WHERE action IS NOT NULL AND ${DEAD('action_owner')}`,
    [error, ttlMs],
  );
  return { tasks: tasks.rowCount ?? 0, environments: envs.rowCount ?? 0 };
}
