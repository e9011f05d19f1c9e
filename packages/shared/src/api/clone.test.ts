import { describe, expect, it } from 'vitest';
import { logsQuerySchema } from './clone.js';

describe('logsQuerySchema', () => {
  it('reads a cursor up to the largest exact integer and refuses one PostgreSQL cannot compare to a bigint', () => {
    expect(logsQuerySchema.parse({ after: String(Number.MAX_SAFE_INTEGER) }).after).toBe(Number.MAX_SAFE_INTEGER);
    for (const after of ['1e308', String(Number.MAX_SAFE_INTEGER + 2), '-1', '1.5']) {
      expect(logsQuerySchema.safeParse({ after }).success).toBe(false);
    }
  });
});
