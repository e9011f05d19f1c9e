// The live progress of a running attempt as this controller process holds it in memory (the
// tracker's step states, fresher than the row, whose writes are coalesced), and how a read lays
// it over the row. The row stays the authority: live state applies only to the attempt that
// made it and only while the row is running (not finished, no cancel recorded), so a cancel, a
// failure, a completion or a restart read from the row always wins.
import type { CloneStatus, StepState } from '@oec/shared';
import { isTerminal } from './status.js';

export interface LiveState {
  attempt: number;
  status: CloneStatus;
  steps: StepState[];
  progress_percent: number;
}

/** The row fields live state can replace, and those that decide whether it may. */
export interface LiveRowFields {
  status: CloneStatus;
  steps: StepState[];
  progress_percent: number;
  attempt: number;
  cancel_requested_at: Date | null;
}

export function withLive<R extends LiveRowFields>(row: R, live: LiveState | undefined): R {
  if (!live || live.attempt !== row.attempt || row.status === 'pending' || isTerminal(row.status) || row.cancel_requested_at) return row;
  return { ...row, status: live.status, steps: live.steps, progress_percent: Math.max(row.progress_percent, live.progress_percent) };
}
