// The ten step states of an operation (pure): what a task's progress does to them, and the
// overall percent. Steps only move forward (pending → in_progress → completed|skipped|failed|
// cancelled) and a step's percent never goes down, so neither does the overall percent.
// Skipped filestore steps advance with their database counterparts, so leaving the filestore
// out does not make the bar jump.
import { STEPS, overallPercent, stepIndex } from '@oec/shared';
import type { StepDetail, StepKey, StepState } from '@oec/shared';

export const EMPTY_DETAIL: StepDetail = {
  message: null,
  bytes_done: null,
  bytes_total: null,
  items_done: null,
  items_total: null,
};

/** The steps clone.data carries (step-tagged progress). */
export const DATA_STEPS: readonly StepKey[] = [
  'backing_up_database',
  'backing_up_filestore',
  'restoring_database',
  'restoring_filestore',
];

/** A skipped filestore step follows the fraction of this database step. */
const MIRROR: Partial<Record<StepKey, StepKey>> = {
  backing_up_filestore: 'backing_up_database',
  restoring_filestore: 'restoring_database',
};

const DONE = new Set<StepState['status']>(['completed', 'skipped', 'failed', 'cancelled']);

export function initialSteps(): StepState[] {
  return STEPS.map((s) => ({
    key: s.key,
    name: s.name,
    status: 'pending',
    progress_percent: 0,
    started_at: null,
    duration_seconds: null,
    detail: { ...EMPTY_DETAIL },
  }));
}

function seconds(from: string | null, now: Date): number {
  return from ? Math.max(0, Math.round((now.getTime() - Date.parse(from)) / 100) / 10) : 0;
}

function update(steps: StepState[], key: StepKey, fn: (s: StepState) => StepState): StepState[] {
  return steps.map((s) => (s.key === key ? fn(s) : s));
}

function mergeDetail(detail: StepDetail, patch: Partial<StepDetail>): StepDetail {
  const out = { ...detail };
  for (const [k, v] of Object.entries(patch) as [keyof StepDetail, StepDetail[keyof StepDetail] | undefined][]) {
    if (v !== undefined) (out as Record<keyof StepDetail, unknown>)[k] = v;
  }
  return out;
}

export function startStep(steps: StepState[], key: StepKey, now: Date): StepState[] {
  return update(steps, key, (s) => (s.status === 'pending' ? { ...s, status: 'in_progress', started_at: now.toISOString() } : s));
}

/** A progress report for a step: starts it if needed, raises its percent, merges its detail. */
export function progressStep(
  steps: StepState[],
  key: StepKey,
  fraction: number,
  detail: Partial<StepDetail>,
  now: Date,
): StepState[] {
  const started = startStep(steps, key, now);
  return update(started, key, (s) => {
    if (s.status !== 'in_progress') return s;
    const percent = Math.max(s.progress_percent, Math.min(100, Math.max(0, fraction * 100)));
    return { ...s, progress_percent: Math.round(percent * 10) / 10, detail: mergeDetail(s.detail, detail) };
  });
}

export function completeStep(steps: StepState[], key: StepKey, now: Date, message?: string): StepState[] {
  return update(steps, key, (s) => {
    if (DONE.has(s.status)) return s;
    const startedAt = s.started_at ?? now.toISOString();
    return {
      ...s,
      status: 'completed',
      progress_percent: 100,
      started_at: startedAt,
      duration_seconds: seconds(startedAt, now),
      detail: message === undefined ? s.detail : { ...s.detail, message },
    };
  });
}

/** A step a run need not do again: completed, or skipped. */
export function isStepDone(steps: StepState[], key: StepKey): boolean {
  const s = steps.find((x) => x.key === key);
  return s?.status === 'completed' || s?.status === 'skipped';
}

export function skipStep(steps: StepState[], key: StepKey): StepState[] {
  return update(steps, key, (s) => (s.status === 'pending' ? { ...s, status: 'skipped' } : s));
}

/** End every step still in progress: `failedStep` as failed (with the message), others as `rest`. */
export function stopSteps(
  steps: StepState[],
  now: Date,
  failedStep: StepKey | null,
  message: string,
  rest: 'failed' | 'cancelled',
): StepState[] {
  return steps.map((s) => {
    const failing = s.key === failedStep;
    if (!failing && s.status !== 'in_progress') return s;
    if (failing && s.status === 'skipped') return s;
    const startedAt = s.started_at ?? now.toISOString();
    return {
      ...s,
      status: failing ? 'failed' : rest,
      started_at: startedAt,
      duration_seconds: seconds(startedAt, now),
      detail: failing ? { ...s.detail, message } : s.detail,
    };
  });
}

function fraction(s: StepState): number {
  if (s.status === 'completed') return 1;
  return s.progress_percent / 100;
}

/** Σ (weightᵢ − weightᵢ₋₁) × fractionᵢ, with skipped filestore steps mirroring the database ones. */
export function percentOf(steps: StepState[]): number {
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const fractions: Partial<Record<StepKey, number>> = {};
  for (const s of steps) {
    const mirror = MIRROR[s.key];
    const twin = mirror ? byKey.get(mirror) : undefined;
    fractions[s.key] = s.status === 'skipped' ? (twin ? fraction(twin) : 1) : fraction(s);
  }
  return overallPercent(fractions);
}

/** The first step in progress (the one still being worked on), or null. */
export function currentStep(steps: StepState[]): StepKey | null {
  return steps.find((s) => s.status === 'in_progress')?.key ?? null;
}

/** The last step that started (for an error of an operation between steps). */
export function lastStartedStep(steps: StepState[]): StepKey | null {
  let last: StepKey | null = null;
  for (const s of steps) if (s.status !== 'pending' && s.status !== 'skipped') last = s.key;
  return last;
}

export function isStepKey(value: unknown): value is StepKey {
  return typeof value === 'string' && STEPS.some((s) => s.key === value);
}

export function stepNumber(key: StepKey): number {
  return stepIndex(key) + 1;
}
