import { describe, expect, it } from 'vitest';
import { resolveSanitization } from '@oec/shared';
import { estimateDuration, etaSeconds, formatBytes, measuredSecondsLeft, requiredBytes, sanitizationSeconds } from './estimate-math.js';
import { completeStep, initialSteps, progressStep, startStep } from './steps-state.js';

describe('estimates', () => {
  it('follows the seed’s formula, with linked filestores on one server', () => {
    const options = resolveSanitization('recommended');
    const same = estimateDuration({ databaseBytes: 100e6, filestoreBytes: 500e6, includeFilestore: true, sameServer: true, preset: 'recommended', options });
    expect(same).toEqual({ total_seconds: 71, database_seconds: 10, filestore_seconds: 1, sanitization_seconds: 30 });
    const across = estimateDuration({ databaseBytes: 100e6, filestoreBytes: 500e6, includeFilestore: true, sameServer: false, preset: 'recommended', options });
    expect(across.total_seconds).toBe(30 + 10 + 25 + 30);
    const noFiles = estimateDuration({ databaseBytes: 100e6, filestoreBytes: 500e6, includeFilestore: false, sameServer: false, preset: 'recommended', options });
    expect(noFiles.filestore_seconds).toBe(0);
  });

  it('takes 10–120 s of sanitization by preset, scaled for custom options', () => {
    expect(sanitizationSeconds('none', resolveSanitization('none'))).toBe(10);
    expect(sanitizationSeconds('full', resolveSanitization('full'))).toBe(120);
    expect(sanitizationSeconds('minimal', resolveSanitization('minimal'))).toBe(15);
    const custom = sanitizationSeconds('none', resolveSanitization('none', { anonymize_emails: true }));
    expect(custom).toBeGreaterThan(10);
    expect(custom).toBeLessThan(120);
  });

  it('needs database + filestore + 20 % of disk', () => {
    expect(requiredBytes(10e9, 2.5e9, true)).toBe(15e9);
    expect(requiredBytes(10e9, 2.5e9, false)).toBe(12e9);
    expect(formatBytes(15e9)).toBe('15 GB');
    expect(formatBytes(8.5e9)).toBe('8.5 GB');
    expect(formatBytes(120e6)).toBe('120 MB');
  });

  it('computes the ETA from measured throughput where a step reports bytes', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const est = { total_seconds: 100, database_seconds: 40, filestore_seconds: 0, sanitization_seconds: 30 };
    let steps = initialSteps();
    // The first steps took as long as estimated (2, 3, 10, 10 s).
    let at = t0.getTime() - 25_000;
    for (const [k, sec] of [['pre_checks', 2], ['validating', 3], ['creating_target', 10], ['copying_addons', 10]] as const) {
      steps = completeStep(startStep(steps, k, new Date(at)), k, new Date((at += sec * 1000)));
    }
    steps = completeStep(completeStep(steps, 'backing_up_filestore', t0), 'restoring_filestore', t0);
    // 25 % of the dump in 10 s: 30 s to go for it; then restore 20 + sanitize 30 + verify 5.
    steps = progressStep(steps, 'backing_up_database', 0.25, { bytes_done: 250, bytes_total: 1000 }, t0);
    expect(etaSeconds(steps, est, new Date(t0.getTime() + 10_000))).toBe(30 + 20 + 30 + 5);
  });

  it('computes the ETA of sanitizing from its rows per second, not the preset’s fixed seconds', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const est = { total_seconds: 100, database_seconds: 40, filestore_seconds: 0, sanitization_seconds: 21 };
    let steps = initialSteps();
    for (const k of ['pre_checks', 'validating', 'creating_target', 'copying_addons', 'backing_up_database', 'backing_up_filestore', 'restoring_database', 'restoring_filestore'] as const) {
      steps = completeStep(startStep(steps, k, new Date(t0.getTime() - 60_000)), k, t0);
    }
    // 120,000 of 460,000 rows in 200 s: 600 rows/s, 340,000 rows to go
    steps = progressStep(steps, 'sanitizing', 0.26, { rows_done: 120_000, rows_total: 460_000 }, t0);
    const sanitizing = steps.find((x) => x.key === 'sanitizing');
    const at = new Date(t0.getTime() + 200_000);
    expect(sanitizing && measuredSecondsLeft(sanitizing, at)).toBeCloseTo(340_000 / 600, 6);
    const eta = etaSeconds(steps, est, at);
    expect(eta).toBeGreaterThanOrEqual(567);
    // plus verifying's 5 s at the finished steps' pace (they took 60 s each)
    expect(eta).toBeLessThan(567 + 40);
    // the same step 3 minutes in with nothing measured in rows yet goes by the pace of its percent
    const first = progressStep(initialSteps(), 'sanitizing', 0.1, { rows_done: 0, rows_total: 460_000 }, t0)[8];
    expect(first?.key).toBe('sanitizing');
    expect(first && measuredSecondsLeft(first, new Date(t0.getTime() + 180_000))).toBeCloseTo(1620, 6);
    // and a step that reports nothing measurable keeps the estimate
    const idle = progressStep(initialSteps(), 'sanitizing', 0, {}, t0)[8];
    expect(idle && measuredSecondsLeft(idle, at)).toBeNull();
  });

  it('scales the rest of the estimate by the pace of the finished steps', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const est = { total_seconds: 100, database_seconds: 40, filestore_seconds: 0, sanitization_seconds: 30 };
    let steps = initialSteps();
    // The first four steps were estimated at 25 s and took 5 s: the rest runs 5 times faster.
    for (const k of ['pre_checks', 'validating', 'creating_target', 'copying_addons'] as const) {
      steps = completeStep(startStep(steps, k, t0), k, new Date(t0.getTime() + 1250));
    }
    const took = steps.reduce((sum, x) => sum + (x.duration_seconds ?? 0), 0);
    expect(took).toBeLessThan(6);
    expect(etaSeconds(steps, est, t0)).toBe(Math.ceil((40 + 30 + 5) * (took / 25)));
  });
});
