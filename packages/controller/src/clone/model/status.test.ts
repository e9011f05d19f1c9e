import { describe, expect, it } from 'vitest';
import type { CloneStatus } from '@oec/shared';
import { isFailedOrCancelled, isTerminal } from './status.js';

describe('clone operation statuses', () => {
  it('completed, failed and cancelled are terminal; failed and cancelled leave a cleanup', () => {
    const statuses: CloneStatus[] = ['pending', 'pre_checks', 'sanitizing', 'completed', 'failed', 'cancelled'];
    expect(statuses.filter(isTerminal)).toEqual(['completed', 'failed', 'cancelled']);
    expect(statuses.filter(isFailedOrCancelled)).toEqual(['failed', 'cancelled']);
  });
});
