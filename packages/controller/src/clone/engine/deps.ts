// What a run of a clone operation (and its cleanup, and the sweeps) works with: the database,
// the agent hub, the clock, the logger, the change events, the live progress of its runs, the
// one-time secrets, the one setting it reads, and which replica this is. The scheduler builds it once from the
// server's dependencies.
import type { AgentHub } from '../../agents/types.js';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/pool.js';
import type { Logger } from '../../logger.js';
import type { CloneEvents } from './events.js';
import type { LiveProgress } from './live.js';
import type { Replica } from '../store/ownership.js';
import type { OneTimeSecrets } from './secrets.js';

export interface RunnerDeps {
  db: Db;
  hub: AgentHub;
  clock: Clock;
  logger: Logger;
  events: CloneEvents;
  live: LiveProgress;
  secrets: OneTimeSecrets;
  settings: { replaceRetentionHours: number };
  /** This controller replica and the lease it takes on the operations it drives (decision 0018). */
  replica: Replica;
}
