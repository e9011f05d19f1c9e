import { describe, expect, it } from 'vitest';
import { STEPS, isCancellableAt, overallPercent } from './steps.js';

describe('steps catalogue', () => {
  it('lists the ten steps with the seed cumulative weights ending at 100', () => {
    expect(STEPS.map((s) => s.key)).toEqual([
      'pre_checks',
      'validating',
      'creating_target',
      'copying_addons',
      'backing_up_database',
      'backing_up_filestore',
      'restoring_database',
      'restoring_filestore',
      'sanitizing',
      'verifying',
    ]);
    expect(STEPS.map((s) => s.weight)).toEqual([2, 5, 10, 18, 40, 55, 70, 85, 95, 100]);
  });

  it('computes overall progress from per-step fractions', () => {
    expect(overallPercent({})).toBe(0);
    expect(overallPercent({ pre_checks: 1 })).toBe(2);
    expect(overallPercent({ pre_checks: 1, validating: 1, creating_target: 0.5 })).toBe(7.5);
    const all = Object.fromEntries(STEPS.map((s) => [s.key, 1]));
    expect(overallPercent(all)).toBe(100);
    // out-of-range fractions are clamped, so the total never overshoots
    expect(overallPercent({ pre_checks: 5 })).toBe(2);
  });

  it('accepts cancel before sanitizing and refuses it from sanitizing on', () => {
    expect(isCancellableAt(null)).toBe(true);
    expect(isCancellableAt('restoring_filestore')).toBe(true);
    expect(isCancellableAt('sanitizing')).toBe(false);
    expect(isCancellableAt('verifying')).toBe(false);
  });
});
