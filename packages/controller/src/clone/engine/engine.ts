// What request handlers see of the clone engine (the scheduler that runs operations): a nudge
// when there is new work, the cancel hand-off, change events and the one-time secrets.
import type { CloneEvents } from './events.js';
import type { OneTimeSecrets } from './secrets.js';

export interface CloneEngine {
  /** Look for pending operations that may start now. */
  kick(): void;
  /** A cancel was recorded: abort the running task, then clean up. */
  cancelled(operationId: string): void;
  readonly events: CloneEvents;
  readonly secrets: OneTimeSecrets;
}
