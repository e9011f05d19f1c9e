// Startup recovery after a controller restart: tasks and lifecycle actions that were in flight
// in the previous process have nobody waiting for them any more. Tasks end as failed
// (AGENT_LOST), creations and destructions as FAILED environments that can be destroyed again;
// interrupted starts and stops just release their claim. Assumes one controller per database.
import { ErrorCode } from '@oec/shared';
import type { Queryable } from '../db/pool.js';

export async function recoverInterrupted(q: Queryable): Promise<{ tasks: number; environments: number }> {
  const error = JSON.stringify({
    code: ErrorCode.AGENT_LOST,
    message: 'The controller restarted while this was in progress',
    details: null,
    retryable: true,
  });
  const tasks = await q.query(
    `UPDATE tasks SET status = 'failed', error = $1, finished_at = now(), updated_at = now()
      WHERE status IN ('queued', 'running')`,
    [error],
  );
  const envs = await q.query(
    `UPDATE environments
        SET status = CASE WHEN action IN ('create', 'destroy') THEN 'FAILED' ELSE status END,
            last_error = CASE WHEN action IN ('create', 'destroy') THEN $1::jsonb || jsonb_build_object('action', action)
                              ELSE last_error END,
            action = NULL, updated_at = now()
      WHERE action IS NOT NULL`,
    [error],
  );
  return { tasks: tasks.rowCount ?? 0, environments: envs.rowCount ?? 0 };
}
