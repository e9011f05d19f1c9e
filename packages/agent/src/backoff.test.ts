import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const opts = { minMs: 100, maxMs: 10_000 };
  it('doubles from the minimum up to the cap, jittered into the upper half', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, opts, () => 1))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(0, opts, () => 0)).toBe(50);
    expect(backoffDelay(50, opts, () => 1)).toBe(10_000);
    expect(backoffDelay(1000, opts, () => 0)).toBe(5000);
  });
});
