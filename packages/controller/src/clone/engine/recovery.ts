// Startup recovery of clone operations, before the agent hub exists: an operation that was
// running when the previous controller stopped has nobody driving it any more. It ends failed
// (AGENT_LOST, "controller restarted") under a new attempt, so the agent aborts and refuses
// whatever is left of the old one, with its cleanup pending (run once its agent is connected).
// Pending operations never started anything; they stay pending and are scheduled as usual.
import { ERROR_META, ErrorCode } from '@oec/shared';
import type { OperationError } from '@oec/shared';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/pool.js';
import { currentStep, lastStartedStep, stopSteps } from '../model/steps-state.js';
import { appendLog } from '../store/logs.js';
import { OP_COLUMNS, OP_FROM, TERMINAL_SQL } from '../store/operation-row.js';
import type { OperationRow } from '../store/operation-row.js';

export async function recoverCloneOperations(db: Db, clock: Clock): Promise<number> {
  const { rows } = await db.query<OperationRow>(
    `SELECT ${OP_COLUMNS} FROM ${OP_FROM} WHERE o.status NOT IN ${TERMINAL_SQL} AND o.status <> 'pending'`,
  );
  const now = clock.now();
  for (const op of rows) {
    const step = currentStep(op.steps) ?? lastStartedStep(op.steps);
    const error: OperationError = {
      code: ErrorCode.AGENT_LOST,
      step,
      message: 'The controller restarted while this operation was running',
      details: { attempt: op.attempt },
      retryable: ERROR_META.AGENT_LOST.retryable,
    };
    const steps = stopSteps(op.steps, now, step, error.message, 'cancelled');
    await db.tx(async (q) => {
      const { rowCount } = await q.query(
        `UPDATE clone_operations
            SET status = 'failed', attempt = attempt + 1, steps = $2, error = $3, cleanup = 'pending', finished_at = $4,
                updated_at = $4
          WHERE id = $1 AND status NOT IN ${TERMINAL_SQL}`,
        [op.id, JSON.stringify(steps), JSON.stringify(error), now],
      );
      if (rowCount) {
        await appendLog(q, op.id, { ts: now, level: 'ERROR', step, message: `Clone failed: AGENT_LOST: ${error.message}` });
      }
    });
  }
  return rows.length;
}
