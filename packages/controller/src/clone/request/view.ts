// An operation row as the API shows it (cloneOperationSchema): all ten steps, the overall
// percent (stored, never decreasing), elapsed time and ETA, the target as it is now (REMOVED
// once its row is gone), and `error.retryable` as POST …/retry decides it (retryRefusal).
import { retryRefusal } from '@oec/shared';
import type { CloneOperation, StepKey } from '@oec/shared';
import { etaSeconds } from '../model/estimate-math.js';
import { isTerminal } from '../model/status.js';
import { currentStep, isStepKey, lastStartedStep } from '../model/steps-state.js';
import type { OperationRow } from '../store/operation-row.js';

function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
}

function displayedStep(r: OperationRow): StepKey | null {
  if (r.status === 'pending') return 'pre_checks';
  if (r.status === 'completed') return null;
  if (isTerminal(r.status)) return r.error?.step ?? lastStartedStep(r.steps);
  return currentStep(r.steps) ?? (isStepKey(r.status) ? r.status : null);
}

export function toCloneOperation(r: OperationRow, now: Date, generatedPassword?: string | null): CloneOperation {
  const end = r.finished_at ?? now;
  const terminal = isTerminal(r.status);
  const eta = terminal
    ? null
    : r.status === 'pending'
      ? r.estimate.duration.total_seconds
      : etaSeconds(r.steps, r.estimate.duration, now);
  return {
    id: r.id,
    source_environment_id: r.source_environment_id,
    target_environment_id: r.target_environment_id,
    target: {
      id: r.target_environment_id,
      name: r.target_current_name ?? r.target_name,
      url: `https://${r.target_current_domain ?? r.target_domain}`,
      // No row: cleanup removed it (or it was deleted later), as the environments API's 404 says.
      status: r.target_status ?? 'REMOVED',
      removed: r.target_status === null,
    },
    mode: r.mode,
    cross_server: r.source_server_id !== r.server_id,
    status: r.status,
    progress: {
      current_step: displayedStep(r),
      progress_percent: r.status === 'completed' ? 100 : Math.floor(r.progress_percent * 10) / 10,
      elapsed_seconds: secondsBetween(r.started_at, end),
      eta_seconds: eta,
      steps: r.steps,
    },
    sanitization_preset: r.sanitization_preset,
    sanitization_options: r.sanitization_options,
    sanitization_result: r.sanitization_result,
    proof: r.proof,
    sanitization_rule_results: r.sanitization_rule_results ?? [],
    include_filestore: r.include_filestore,
    options: r.options,
    ...(generatedPassword ? { generated_password: generatedPassword } : {}),
    // The stored flag was the code's (ERROR_META); shown, it is what /retry answers now.
    error: r.error ? { ...r.error, retryable: retryRefusal(r) === null } : null,
    cleanup: r.cleanup,
    retry_of: r.retry_of,
    requested_by: r.requested_by,
    started_at: r.started_at.toISOString(),
    finished_at: r.finished_at ? r.finished_at.toISOString() : null,
    duration_seconds: r.finished_at ? secondsBetween(r.started_at, r.finished_at) : null,
  };
}
