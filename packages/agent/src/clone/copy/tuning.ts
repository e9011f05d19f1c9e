// How many COPY streams a clone runs at once on this server, and from what size a table is split
// into block ranges copied side by side (decision 0013). The agent's configuration sets them
// (OEC_COPY_JOBS, OEC_COPY_SPLIT_MB); by default, one stream per core (at least 2, at most 8),
// fewer when memory is small: each stream holds a few MB of buffers in the agent and a session on
// each side.
import { availableParallelism, totalmem } from 'node:os';

export interface CopyTuning {
  /** Concurrent COPY streams (tables or parts of a table), index builders and ANALYZE sessions. */
  jobs: number;
  /** A table larger than this (pg_table_size) is copied in parts of about this size. */
  splitBytes: number;
}

export const MAX_COPY_JOBS = 32;
export const DEFAULT_SPLIT_MB = 256;
/** What one stream may cost in memory, all told (agent buffers, a backend on each side). */
const MEMORY_PER_JOB = 256 * 1024 * 1024;

/** `jobs` 0 or absent: from the cores and the memory of this machine. */
export function copyTuning(opts: { jobs?: number; splitMb?: number } = {}): CopyTuning {
  const auto = Math.min(8, Math.max(2, availableParallelism()), Math.max(1, Math.floor(totalmem() / MEMORY_PER_JOB)));
  const jobs = opts.jobs && opts.jobs > 0 ? Math.min(MAX_COPY_JOBS, Math.floor(opts.jobs)) : auto;
  return { jobs, splitBytes: Math.max(1, opts.splitMb ?? DEFAULT_SPLIT_MB) * 1024 * 1024 };
}
