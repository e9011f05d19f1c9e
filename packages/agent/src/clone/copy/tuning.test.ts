import { describe, expect, it } from 'vitest';
import { copyTuning, MIN_AGENT_MEMORY_MB } from './tuning.js';

describe('copyTuning: the memory budget (decision 0019)', () => {
  it('keeps 1 MB stages at the default budget and shrinks them when more streams share a smaller one', () => {
    expect(copyTuning({ jobs: 8 }).bufferBytes).toBe(1024 * 1024);
    const small = copyTuning({ jobs: 32, memoryMb: MIN_AGENT_MEMORY_MB });
    expect(small.bufferBytes).toBeLessThan(1024 * 1024);
    // every stream's two stages together stay within the copy's share (an eighth)
    expect(small.bufferBytes * 2 * small.jobs).toBeLessThanOrEqual((MIN_AGENT_MEMORY_MB * 1024 * 1024) / 8);
  });

  it('derives the masking bounds from the budget, not from the data', () => {
    const a = copyTuning({ jobs: 4, memoryMb: 256 }).masking;
    const b = copyTuning({ jobs: 4, memoryMb: 1024 }).masking;
    expect(b.memoEntries).toBe(a.memoEntries * 4);
    expect(b.capturedBytes).toBe(a.capturedBytes * 4);
    expect(a.capturedBytes).toBe(64 * 1024 * 1024);
    // rows in flight: per session, so more sessions read fewer rows each
    expect(copyTuning({ jobs: 8, memoryMb: 256 }).masking.batchRows).toBeLessThan(a.batchRows);
  });

  it('never goes below the smallest budget', () => {
    expect(copyTuning({ jobs: 2, memoryMb: 1 })).toEqual(copyTuning({ jobs: 2, memoryMb: MIN_AGENT_MEMORY_MB }));
  });
});
