// From a clone operation to what the progress modal shows: the status badge, which steps are
// done / running / waiting / failed, whether Cancel and Retry are offered, the headline of a failure.
import { ERROR_META, STEPS, TERMINAL_STATUSES, currentWorkLine, isCancellableAt } from '@oec/shared';
import type { CloneOperation, StepState, StepStatus } from '@oec/shared';

export type BadgeTone = 'blue' | 'green' | 'red' | 'gray' | 'orange';

export function isFinished(op: Pick<CloneOperation, 'status'>): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(op.status);
}

export function statusBadge(op: Pick<CloneOperation, 'status'>): { label: string; tone: BadgeTone; busy: boolean } {
  switch (op.status) {
    case 'completed':
      return { label: 'COMPLETED', tone: 'green', busy: false };
    case 'failed':
      return { label: 'FAILED', tone: 'red', busy: false };
    case 'cancelled':
      return { label: 'CANCELLED', tone: 'gray', busy: false };
    case 'pending':
      return { label: 'QUEUED', tone: 'blue', busy: true };
    default:
      return { label: 'CLONING', tone: 'blue', busy: true };
  }
}

export const STEP_ICON: Record<StepStatus, string> = {
  completed: '✓',
  in_progress: '↻',
  pending: '◷',
  skipped: '–',
  failed: '✕',
  cancelled: '⊘',
};

/** "Step 5 of 10: Backing Up Database", or null when no step runs. */
export function currentStepTitle(op: Pick<CloneOperation, 'progress'>): string | null {
  const key = op.progress.current_step;
  if (!key) return null;
  const i = STEPS.findIndex((s) => s.key === key);
  const step = STEPS[i];
  return step ? `Step ${i + 1} of ${STEPS.length}: ${step.name}` : null;
}

export function currentStep(op: Pick<CloneOperation, 'progress'>): StepState | null {
  return op.progress.steps.find((s) => s.key === op.progress.current_step) ?? null;
}

/** Cancel is offered while the operation runs and has not reached sanitizing. */
export function canCancel(op: Pick<CloneOperation, 'status' | 'progress'>): boolean {
  return !isFinished(op) && isCancellableAt(op.progress.current_step);
}

export interface RetryOffer {
  /** The button can be pressed: the API would accept the retry now (`error.retryable`). */
  enabled: boolean;
  label: string;
  /** Why it is disabled, or what to do before pressing it. */
  hint: string | null;
}

/**
 * Retry Clone after a failure or a cancel (null otherwise). Enabled exactly when the API says
 * `error.retryable` (POST …/retry accepts it: the cleanup is over); a code that is not transient
 * (ERROR_META) gets the hint to fix the cause first, as the seed's troubleshooting guide does.
 */
export function retryOffer(op: Pick<CloneOperation, 'status' | 'error' | 'cleanup'>): RetryOffer | null {
  if (op.status !== 'failed' && op.status !== 'cancelled') return null;
  const e = op.error;
  if (!e?.retryable) {
    return op.cleanup === 'pending'
      ? { enabled: false, label: 'Retry Clone (after cleanup)', hint: 'Retry is possible once the cleanup is done' }
      : { enabled: false, label: 'Retry Clone', hint: 'This operation cannot be retried' };
  }
  return {
    enabled: true,
    label: 'Retry Clone',
    hint: ERROR_META[e.code].retryable ? null : 'Retrying as is would likely fail again: fix the cause first',
  };
}

export function failedStep(op: Pick<CloneOperation, 'progress' | 'error'>): StepState | null {
  return op.progress.steps.find((s) => s.status === 'failed') ?? (op.error?.step ? (op.progress.steps.find((s) => s.key === op.error?.step) ?? null) : null);
}

/** "Clone failed at step 7 - See details" (the toast), from the failed step's position. */
export function failureToast(op: Pick<CloneOperation, 'progress' | 'error'>): string {
  const step = failedStep(op);
  const i = step ? STEPS.findIndex((s) => s.key === step.key) : -1;
  return i >= 0 ? `Clone failed at step ${i + 1} - See details` : 'Clone failed - See details';
}

/** A step's detail as one line: its message, what it works on now (sanitizing), and items done. */
export function stepDetailLine(step: StepState): string | null {
  const d = step.detail;
  const parts: string[] = [];
  if (d.message) parts.push(d.message);
  const now = currentWorkLine(d);
  if (now) parts.push(now);
  else if (d.items_total) parts.push(`${d.items_done ?? 0} / ${d.items_total}`);
  return parts.length ? parts.join(' · ') : null;
}
