// The ten clone steps: keys, display names and cumulative progress weights (the seed's contract),
// and the overall-progress formula. Steps may overlap when data streams; weights do not change.
import { z } from 'zod';
import { ErrorCode } from './errors.js';

export const STEPS = [
  { key: 'pre_checks', name: 'Pre-Checks', weight: 2 },
  { key: 'validating', name: 'Validating', weight: 5 },
  { key: 'creating_target', name: 'Creating Target', weight: 10 },
  { key: 'copying_addons', name: 'Copying Addons', weight: 18 },
  { key: 'backing_up_database', name: 'Backing Up Database', weight: 40 },
  { key: 'backing_up_filestore', name: 'Backing Up Filestore', weight: 55 },
  { key: 'restoring_database', name: 'Restoring Database', weight: 70 },
  { key: 'restoring_filestore', name: 'Restoring Filestore', weight: 85 },
  { key: 'sanitizing', name: 'Sanitizing', weight: 95 },
  { key: 'verifying', name: 'Verifying', weight: 100 },
] as const;

export type StepKey = (typeof STEPS)[number]['key'];
export const STEP_KEYS = STEPS.map((s) => s.key) as [StepKey, ...StepKey[]];
export const stepKeySchema = z.enum(STEP_KEYS);

/** Steps skipped when the clone does not include the filestore. */
export const FILESTORE_STEPS: readonly StepKey[] = ['backing_up_filestore', 'restoring_filestore'];

/** Cancel is accepted while the current step is before this one (SPEC §3). */
export const FIRST_UNCANCELLABLE_STEP: StepKey = 'sanitizing';

export function stepIndex(key: StepKey): number {
  return STEPS.findIndex((s) => s.key === key);
}

export function isCancellableAt(current: StepKey | null): boolean {
  return current === null || stepIndex(current) < stepIndex(FIRST_UNCANCELLABLE_STEP);
}

/**
 * Overall percent = Σ (weightᵢ − weightᵢ₋₁) × fractionᵢ, fraction in [0,1] per step
 * (a skipped or completed step counts as 1). Rounded down to one decimal so it never overshoots.
 */
export function overallPercent(fractions: Partial<Record<StepKey, number>>): number {
  let total = 0;
  let previous = 0;
  for (const step of STEPS) {
    const f = Math.min(1, Math.max(0, fractions[step.key] ?? 0));
    total += (step.weight - previous) * f;
    previous = step.weight;
  }
  return Math.floor(total * 10) / 10;
}

/** The failure code of an operation that fails in a step for a reason of the step's own. */
export const STEP_FAILURE: Record<StepKey, ErrorCode> = {
  pre_checks: ErrorCode.SOURCE_UNREACHABLE,
  validating: ErrorCode.SOURCE_UNREACHABLE,
  creating_target: ErrorCode.RESTORE_FAILED,
  copying_addons: ErrorCode.TRANSFER_FAILED,
  backing_up_database: ErrorCode.SOURCE_UNREACHABLE,
  backing_up_filestore: ErrorCode.SOURCE_UNREACHABLE,
  restoring_database: ErrorCode.RESTORE_FAILED,
  restoring_filestore: ErrorCode.RESTORE_FAILED,
  sanitizing: ErrorCode.SANITIZATION_FAILED,
  verifying: ErrorCode.VERIFICATION_FAILED,
};
