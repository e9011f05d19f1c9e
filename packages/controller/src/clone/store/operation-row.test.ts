import { describe, expect, it } from 'vitest';
import { FAILED_OR_CANCELLED_SQL, NOT_RUNNING_SQL, TERMINAL_SQL } from './operation-row.js';

describe('status lists in SQL', () => {
  it('spell the shared statuses as SQL literal lists', () => {
    expect(TERMINAL_SQL).toBe(`('completed', 'failed', 'cancelled')`);
    expect(NOT_RUNNING_SQL).toBe(`('pending', 'completed', 'failed', 'cancelled')`);
    expect(FAILED_OR_CANCELLED_SQL).toBe(`('failed', 'cancelled')`);
  });
});
