// The dependencies of the HTTP app and its services, passed in explicitly (never module
// singletons) so tests can hand in fakes: database, agent hub, clock, id generator, jobs.
import type { AgentHub } from './agents/types.js';
import type { Clock } from './clock.js';
import type { CloneEngine } from './clone/engine/engine.js';
import type { Db } from './db/pool.js';
import type { IdGenerator } from './ids.js';
import type { Jobs } from './jobs.js';
import type { Logger } from './logger.js';
import type { RateLimiter } from './rate-limit.js';

/** Settings the request handlers need (a slice of Config). */
export interface AppSettings {
  jwtSecret: string;
  baseDomain: string;
  /** How long a replace keeps the target's old data (hours). */
  replaceRetentionHours: number;
  /** Webhook URLs may name loopback/link-local/private addresses (OEC_WEBHOOK_ALLOW_PRIVATE=1). */
  webhookAllowPrivate?: boolean;
  /**
   * The clone data path (OEC_CLONE_DATA_PATH): `auto` (default: copy whenever an enabled option
   * masks or clears values in stream, or the project has custom rules), `copy` always, or
   * `dump_restore` always. Decision 0012.
   */
  cloneDataPath?: CloneDataPathSetting;
}

export type CloneDataPathSetting = 'dump_restore' | 'copy' | 'auto';

export interface AppDeps {
  db: Db;
  hub: AgentHub;
  clock: Clock;
  ids: IdGenerator;
  jobs: Jobs;
  logger: Logger;
  settings: AppSettings;
  /** Token buckets for mutating requests (REST POST/PUT/PATCH/DELETE and tRPC mutations). */
  mutationLimiter: RateLimiter;
  /** Token buckets for clone requests (and retries), per user. */
  cloneLimiter: RateLimiter;
  clones: CloneEngine;
}
