// Which statuses of a clone operation are final, from the one list in @oec/shared
// (TERMINAL_STATUSES); the SQL spelling of the same lists is in store/operation-row.ts.
import { TERMINAL_STATUSES } from '@oec/shared';
import type { CloneStatus } from '@oec/shared';

const TERMINAL: readonly CloneStatus[] = TERMINAL_STATUSES;

/** The final statuses that leave something to clean up (and may be retried). */
export const FAILED_OR_CANCELLED = ['failed', 'cancelled'] as const satisfies readonly CloneStatus[];

export function isTerminal(status: CloneStatus): boolean {
  return TERMINAL.includes(status);
}

export function isFailedOrCancelled(status: CloneStatus): boolean {
  return (FAILED_OR_CANCELLED as readonly CloneStatus[]).includes(status);
}
