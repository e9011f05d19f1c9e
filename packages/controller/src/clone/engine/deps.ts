// What a run of a clone operation (and its cleanup, and the sweeps) works with: the database,
// the agent hub, the clock, the logger, the change events, the live progress of its runs, the
// one-time secrets, and the one setting it reads. The scheduler builds it once from the
// server's dependencies.
import type { AgentHub } from '../../agents/types.js';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/pool.js';
import type { Logger } from '../../logger.js';
import type { CloneEvents } from './events.js';
import type { LiveProgress } from './live.js';
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
}
