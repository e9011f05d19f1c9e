// How many COPY streams a clone runs at once on this server, and from what size a table is split
// into block ranges copied side by side (decision 0013). The agent's configuration sets them
// (OEC_COPY_JOBS, OEC_COPY_SPLIT_MB); by default, one stream per core (at least 2, at most 8),
// fewer when memory is small: each stream holds a few MB of buffers in the agent and a session on
// each side.
//
// What the agent may hold in memory comes from one value, OEC_AGENT_MEMORY_MB (decision 0019):
// each stream's buffers and the in-stream masking's memo, patterns, batches and captured values get
// a share of it, so that the agent's peak RSS follows the configuration, not the data's size.
import { availableParallelism, totalmem } from 'node:os';
import type { MaskingBudget } from '../../sanitize/index.js';

export interface CopyTuning {
  /** Concurrent COPY streams (tables or parts of a table), index builders and ANALYZE sessions. */
  jobs: number;
  /** A table larger than this (pg_table_size) is copied in parts of about this size. */
  splitBytes: number;
  /** The highWaterMark of each buffering stage of one stream (the agent's share / jobs). */
  bufferBytes: number;
  /** What the in-stream masking may hold. */
  masking: MaskingBudget;
}

export const MAX_COPY_JOBS = 32;
export const DEFAULT_SPLIT_MB = 256;
export const DEFAULT_AGENT_MEMORY_MB = 256;
export const MIN_AGENT_MEMORY_MB = 128;
/** What one stream may cost in memory, all told (agent buffers, a backend on each side). */
const MEMORY_PER_JOB = 256 * 1024 * 1024;
const MB = 1024 * 1024;

/**
 * The shares of OEC_AGENT_MEMORY_MB (measured on the `large` dataset, bench/README.md "Agent RSS"):
 * about 100 MB is the agent itself (code, sockets, pg, the runner) and garbage not yet collected;
 * the rest is split below. Bytes per entry are what V8 took per entry in that measure.
 */
const SHARE = {
  /** All streams' buffers: two buffering stages per stream (the row transform, the rows' pipe). */
  copy: 1 / 8,
  /** The pseudonym memo, ~200 bytes an entry (the key, the 64-hex HMAC, the Map's slot). */
  memo: 1 / 16,
  /** Compiled name patterns, ~2 kB a pair once run. */
  patterns: 1 / 64,
  /** The capture's rows in flight, ~200 bytes a row, on each of `jobs` sessions. */
  batches: 1 / 32,
  /** The captured values' hashes and the names indexed (at most; past it the clone is refused). */
  captured: 1 / 4,
} as const;
const BYTES = { memo: 200, pattern: 2048, row: 200 } as const;
/** One stream's stage never buffers less than this (a COPY row is read whole) nor more than 1 MB. */
const BUFFER_RANGE = [64 * 1024, MB] as const;

const clamp = (n: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, Math.floor(n)));

/** `jobs` 0 or absent: from the cores and the memory of this machine; `memoryMb`: the agent's budget. */
export function copyTuning(opts: { jobs?: number; splitMb?: number; memoryMb?: number } = {}): CopyTuning {
  const auto = Math.min(8, Math.max(2, availableParallelism()), Math.max(1, Math.floor(totalmem() / MEMORY_PER_JOB)));
  const jobs = opts.jobs && opts.jobs > 0 ? Math.min(MAX_COPY_JOBS, Math.floor(opts.jobs)) : auto;
  const budget = Math.max(MIN_AGENT_MEMORY_MB, opts.memoryMb ?? DEFAULT_AGENT_MEMORY_MB) * MB;
  return {
    jobs,
    splitBytes: Math.max(1, opts.splitMb ?? DEFAULT_SPLIT_MB) * MB,
    bufferBytes: clamp((budget * SHARE.copy) / jobs / 2, BUFFER_RANGE[0], BUFFER_RANGE[1]),
    masking: {
      memoEntries: clamp((budget * SHARE.memo) / BYTES.memo, 1000, 10_000_000),
      patternEntries: clamp((budget * SHARE.patterns) / BYTES.pattern, 100, 1_000_000),
      batchRows: clamp((budget * SHARE.batches) / BYTES.row / jobs, 500, 100_000),
      capturedBytes: Math.floor(budget * SHARE.captured),
    },
  };
}
