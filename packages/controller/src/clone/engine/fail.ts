// A run that failed: the error as the operation shows it ({code, step, message, details,
// retryable}, the code one of the closed failure set), the steps frozen where it stopped, and
// cleanup pending. keep_target: a create_new whose data and proof passed but whose app did not
// come up stays (stopped) for debugging.
import { AppError, ERROR_META, ErrorCode, FAILURE_CODES, isAppError, STEP_FAILURE } from '@oec/shared';
import type { OperationError, StepKey } from '@oec/shared';
import { isStepKey, stepNumber, stopSteps } from '../model/steps-state.js';
import type { OperationRow } from '../store/operation-row.js';
import { failOperation } from '../store/operations.js';
import type { RunnerDeps } from './deps.js';
import type { OperationTracker } from './tracker.js';

const FAILURES: readonly ErrorCode[] = FAILURE_CODES;

export function operationError(err: unknown, step: StepKey): OperationError {
  if (!isAppError(err)) {
    return {
      code: STEP_FAILURE[step],
      step,
      message: 'Internal error in the controller',
      details: null,
      retryable: true,
    };
  }
  const tagged = err.details?.step;
  const at = isStepKey(tagged) ? tagged : step;
  const code = FAILURES.includes(err.code) ? err.code : STEP_FAILURE[at];
  const details = { ...(err.details ?? {}), ...(code !== err.code ? { cause_code: err.code } : {}) };
  return {
    code,
    step: at,
    message: err.message,
    details: Object.keys(details).length ? details : null,
    retryable: ERROR_META[code].retryable,
  };
}

export function keepsTarget(op: Pick<OperationRow, 'mode'>, error: OperationError): boolean {
  return op.mode === 'create_new' && error.code === ErrorCode.VERIFICATION_FAILED && error.details?.app_failed === true;
}

export async function failRun(d: RunnerDeps, t: OperationTracker, err: unknown): Promise<void> {
  const { op } = t;
  const error = operationError(err, t.status);
  if (!(err instanceof AppError)) d.logger.error({ err, operationId: op.id }, 'clone run failed unexpectedly');
  const now = d.clock.now();
  const steps = stopSteps(t.steps, now, error.step, error.message, 'cancelled');
  const keepTarget = keepsTarget(op, error);
  if (!(await failOperation(d.db, op.id, { attempt: op.attempt, owner: d.replica.id }, { steps, error, keepTarget }, now))) return;
  await d.secrets.drop(op.id);
  const n = error.step ? ` at step ${stepNumber(error.step)} (${error.step})` : '';
  t.log('ERROR', error.step, `Clone failed${n}: ${error.code}: ${error.message}`);
  await t.flush();
  d.events.emit(op.id);
}
