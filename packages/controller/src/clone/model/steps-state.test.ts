import { describe, expect, it } from 'vitest';
import {
  completeStep,
  currentStep,
  initialSteps,
  percentOf,
  progressStep,
  skipStep,
  startStep,
  stopSteps,
} from './steps-state.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe('step states', () => {
  it('starts all ten pending at 0 %', () => {
    const steps = initialSteps();
    expect(steps).toHaveLength(10);
    expect(steps.every((s) => s.status === 'pending' && s.progress_percent === 0)).toBe(true);
    expect(percentOf(steps)).toBe(0);
    expect(currentStep(steps)).toBeNull();
  });

  it('weighs each step by its share of the seed’s cumulative weights', () => {
    let steps = initialSteps();
    for (const k of ['pre_checks', 'validating', 'creating_target', 'copying_addons'] as const) steps = completeStep(steps, k, t0);
    expect(percentOf(steps)).toBe(18);
    steps = progressStep(steps, 'backing_up_database', 0.5, { bytes_done: 5, bytes_total: 10 }, t0);
    expect(percentOf(steps)).toBe(29);
    expect(currentStep(steps)).toBe('backing_up_database');
  });

  it('never lowers a step’s percent and records duration on completion', () => {
    let steps = startStep(initialSteps(), 'validating', t0);
    steps = progressStep(steps, 'validating', 0.6, { message: 'a' }, at(1));
    steps = progressStep(steps, 'validating', 0.2, { message: 'b' }, at(2));
    expect(steps[1]).toMatchObject({ status: 'in_progress', progress_percent: 60, detail: { message: 'b' } });
    steps = completeStep(steps, 'validating', at(3.5), 'done');
    expect(steps[1]).toMatchObject({ status: 'completed', progress_percent: 100, duration_seconds: 3.5, detail: { message: 'done' } });
    // A finished step stays finished.
    expect(progressStep(steps, 'validating', 0.1, {}, at(4))[1]?.status).toBe('completed');
  });

  it('moves skipped filestore steps with their database counterparts', () => {
    let steps = initialSteps();
    for (const k of ['pre_checks', 'validating', 'creating_target', 'copying_addons'] as const) steps = completeStep(steps, k, t0);
    steps = skipStep(skipStep(steps, 'backing_up_filestore'), 'restoring_filestore');
    expect(percentOf(steps)).toBe(18);
    steps = progressStep(steps, 'backing_up_database', 1, {}, t0);
    expect(percentOf(steps)).toBe(55);
    steps = completeStep(completeStep(steps, 'backing_up_database', t0), 'restoring_database', t0);
    expect(percentOf(steps)).toBe(85);
  });

  it('stops steps: the failing one failed, the others in progress as given', () => {
    let steps = progressStep(progressStep(initialSteps(), 'backing_up_database', 0.3, {}, t0), 'restoring_database', 0.1, {}, t0);
    steps = stopSteps(steps, at(2), 'restoring_database', 'pg_restore failed', 'cancelled');
    const byKey = Object.fromEntries(steps.map((s) => [s.key, s]));
    expect(byKey.restoring_database).toMatchObject({ status: 'failed', detail: { message: 'pg_restore failed' }, duration_seconds: 2 });
    expect(byKey.backing_up_database?.status).toBe('cancelled');
    expect(byKey.sanitizing?.status).toBe('pending');
  });
});
