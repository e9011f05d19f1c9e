// Cancel and retry. Cancel is accepted while the operation is pending or before `sanitizing`:
// one transaction finishes the row as cancelled (error CANCELLED, steps in progress cancelled,
// cleanup pending), then the engine aborts the running task and cleans up. Retry repeats a
// failed or cancelled operation's configuration as a new operation (retry_of set) when
// retryRefusal (shared, also what the operation's `error.retryable` shows) lets it; a create_new
// retry gets a fresh target, the original one having been removed.
import { AppError, ERROR_META, ErrorCode, isCancellableAt, retryRefusal } from '@oec/shared';
import type { CancelResponse, CloneOperation, OperationError, StepKey } from '@oec/shared';
import { requirePermission } from '../../auth/permissions.js';
import type { Actor } from '../../auth/permissions.js';
import type { AppDeps } from '../../deps.js';
import type { CloneRequestInput } from '../model/request-input.js';
import { isTerminal } from '../model/status.js';
import { stepNumber, stopSteps } from '../model/steps-state.js';
import { appendLog } from '../store/logs.js';
import type { OperationRow } from '../store/operation-row.js';
import { loadOperation } from '../store/operations.js';
import { modePermission } from './checks.js';
import { requestClone } from './create.js';
import { operationAccess } from './read.js';

export async function cancelClone(deps: AppDeps, actor: Actor, id: string): Promise<CancelResponse> {
  const { row, access } = await operationAccess(deps, actor, id);
  requirePermission(access, modePermission(row.mode === 'create_new'));
  await deps.db.tx(async (q) => {
    const op = (await loadOperation(q, id, true)) as OperationRow;
    if (isTerminal(op.status)) {
      throw new AppError(ErrorCode.CANNOT_CANCEL, `Cannot cancel: the clone operation is already ${op.status}`, { status: op.status });
    }
    const step = op.status === 'pending' ? null : (op.status as StepKey);
    if (!isCancellableAt(step)) {
      throw new AppError(
        ErrorCode.CANNOT_CANCEL,
        `Cannot cancel: the clone is at step ${step ? `${stepNumber(step)} (${step})` : ''}; cancelling is possible until sanitization starts`,
        { status: op.status },
      );
    }
    const now = deps.clock.now();
    const error: OperationError = {
      code: ErrorCode.CANCELLED,
      step,
      message: `Cancelled by ${actor.email}`,
      details: { cancelled_by: actor.id },
      retryable: ERROR_META.CANCELLED.retryable,
    };
    await q.query(
      `UPDATE clone_operations
          SET status = 'cancelled', cancel_requested_at = $2, steps = $3, error = $4, cleanup = 'pending',
              finished_at = $2, updated_at = $2
        WHERE id = $1`,
      [id, now, JSON.stringify(stopSteps(op.steps, now, null, '', 'cancelled')), JSON.stringify(error)],
    );
    await appendLog(q, id, { ts: now, level: 'WARNING', step, message: `Clone operation cancelled by ${actor.email}` });
  });
  await deps.clones.secrets.drop(id);
  deps.clones.events.emit(id);
  deps.clones.cancelled(id);
  return { message: 'Clone operation cancelled successfully', clone_operation_id: id, status: 'cancelled' };
}

/** The original request, pointed at a fresh target for create_new (same name when it is free). */
function retryRequest(op: OperationRow): CloneRequestInput {
  const req = op.request;
  if (!req.target.create_new) return req;
  return { ...req, target: { ...req.target, name: op.target_name } };
}

export async function retryClone(deps: AppDeps, actor: Actor, id: string): Promise<CloneOperation> {
  const { row: op, access } = await operationAccess(deps, actor, id);
  requirePermission(access, modePermission(op.mode === 'create_new'));
  const refusal = retryRefusal(op);
  if (refusal) throw new AppError(ErrorCode.CANNOT_RETRY, refusal, { status: op.status, cleanup: op.cleanup });
  return requestClone(deps, actor, op.source_environment_id, retryRequest(op), op.id);
}
