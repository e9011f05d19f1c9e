// What request handlers see of the clone engine (the scheduler that runs operations): a nudge
// when there is new work, the cancel hand-off, change events, the live progress of the runs in
// this process, the shared reader progress watchers follow, and the one-time secrets.
import type { CloneEvents } from './events.js';
import type { OperationFeed } from './feed.js';
import type { LiveProgress } from './live.js';
import type { OneTimeSecrets } from './secrets.js';

export interface CloneEngine {
  /** Look for pending operations that may start now. */
  kick(): void;
  /** A cancel was recorded: abort the running task, then clean up. */
  cancelled(operationId: string): void;
  readonly events: CloneEvents;
  readonly live: Pick<LiveProgress, 'get'>;
  readonly feed: OperationFeed;
  readonly secrets: OneTimeSecrets;
}
