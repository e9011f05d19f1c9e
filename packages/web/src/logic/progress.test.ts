import { describe, expect, it } from 'vitest';
import { STEPS } from '@oec/shared';
import type { CloneOperation, StepState } from '@oec/shared';
import { formatBytes, formatDuration, formatEta } from './format.js';
import { canCancel, currentStepTitle, failureToast, isFinished, retryOffer, statusBadge, stepDetailLine } from './progress.js';

function steps(current: number, failedAt = -1): StepState[] {
  return STEPS.map((s, i) => ({
    key: s.key,
    name: s.name,
    status: i === failedAt ? 'failed' : i < current ? 'completed' : i === current ? 'in_progress' : 'pending',
    progress_percent: i < current ? 100 : 0,
    started_at: null,
    duration_seconds: i < current ? 2 : null,
    detail: { message: null, bytes_done: null, bytes_total: null, items_done: null, items_total: null },
  }));
}

function op(status: CloneOperation['status'], current: number, failedAt = -1): Pick<CloneOperation, 'status' | 'progress' | 'error'> {
  const key = STEPS[current]?.key ?? null;
  return {
    status,
    progress: { current_step: key, progress_percent: 40, elapsed_seconds: 10, eta_seconds: 20, steps: steps(current, failedAt) },
    error: null,
  };
}

describe('progress mapping', () => {
  it('shows what sanitizing works on: the option, the table and its rows', () => {
    const step = steps(8)[8];
    if (!step) throw new Error('no step 9');
    step.detail = { ...step.detail, rows_done: 200_000, rows_total: 900_000, current: { option: 'anonymize_emails', table: 'mail_message', rows_done: 120_000, rows_total: 460_000 } };
    expect(stepDetailLine(step)).toBe('anonymize_emails · mail_message 120,000 / 460,000 rows');
  });

  it('shows CLONING while a step runs, the step as "Step n of 10"', () => {
    const running = op('backing_up_database', 4);
    expect(statusBadge(running)).toEqual({ label: 'CLONING', tone: 'blue', busy: true });
    expect(currentStepTitle(running)).toBe('Step 5 of 10: Backing Up Database');
    expect(isFinished(running)).toBe(false);
  });

  it('offers Cancel until sanitizing starts, never once finished', () => {
    expect(canCancel(op('pending', -1))).toBe(true);
    expect(canCancel(op('creating_target', 2))).toBe(true);
    expect(canCancel(op('restoring_filestore', 7))).toBe(true);
    expect(canCancel(op('sanitizing', 8))).toBe(false);
    expect(canCancel(op('completed', 9))).toBe(false);
  });

  it('offers Retry exactly when the API would accept it, with a hint for a cause to fix', () => {
    const failed = (code: 'RESTORE_FAILED' | 'TRANSFER_FAILED', retryable: boolean, cleanup: CloneOperation['cleanup']) => ({
      status: 'failed' as const,
      cleanup,
      error: { code, step: 'restoring_database' as const, message: 'x', details: null, retryable },
    });
    expect(retryOffer({ status: 'completed', cleanup: 'none', error: null })).toBeNull();
    expect(retryOffer(failed('RESTORE_FAILED', false, 'pending'))).toEqual({
      enabled: false,
      label: 'Retry Clone (after cleanup)',
      hint: 'Retry is possible once the cleanup is done',
    });
    expect(retryOffer(failed('TRANSFER_FAILED', true, 'done'))).toEqual({ enabled: true, label: 'Retry Clone', hint: null });
    const fixFirst = retryOffer(failed('RESTORE_FAILED', true, 'done'));
    expect(fixFirst?.enabled).toBe(true);
    expect(fixFirst?.hint).toMatch(/fix the cause first/);
    expect(retryOffer(failed('RESTORE_FAILED', false, 'done'))?.enabled).toBe(false);
  });

  it('names the failed step in the failure toast', () => {
    expect(failureToast(op('failed', 6, 6))).toBe('Clone failed at step 7 - See details');
    expect(statusBadge(op('failed', 6, 6)).tone).toBe('red');
    expect(statusBadge(op('completed', 9)).label).toBe('COMPLETED');
  });

  it('formats sizes and durations for people', () => {
    expect(formatBytes(2.3 * 1024 ** 3)).toBe('2.3 GB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatDuration(754)).toBe('12 min 34 sec');
    expect(formatDuration(42)).toBe('42 sec');
    expect(formatEta(420)).toBe('~7 minutes');
  });
});
