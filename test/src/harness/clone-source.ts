// The clone suites' source: a `production` environment filled with generated Odoo data, the
// digest of its dump (the source must stay byte-for-byte unchanged), and the project's salt.
import type { Environment } from '@oec/shared';
import { dumpDigest } from '../clone/db-facts.js';
import type { GeneratedSummary } from '../odoo/index.js';
import { clusterOf, projectSalt } from './env-db.js';
import type { AgentHandle, Platform } from './platform.js';
import { seedEnvironment } from './seed-env.js';

export interface SeededSource {
  source: Environment;
  summary: GeneratedSummary;
  /** dumpDigest of the source database, taken right after seeding. */
  digest: string;
}

/**
 * Create `production` on the agent's server, wait until it runs, seed it (seed 42) and digest it.
 * `throughAgentSocket`: reach its cluster through the agent's unix socket (an agent in a netns).
 */
export async function createSeededSource(platform: Platform, agent: AgentHandle, opts: { throughAgentSocket?: boolean } = {}): Promise<SeededSource> {
  const via = opts.throughAgentSocket ? agent : undefined;
  const created = await platform.createEnvironment(agent.server.id, { name: 'production', environment_type: 'production' });
  const source = await platform.waitEnvironment(created.id, 'RUNNING');
  const summary = await seedEnvironment(source, { seed: 42, agent: via });
  const digest = await dumpDigest(clusterOf(source, via), source.database_name);
  return { source, summary, digest };
}

/** The salt of the platform's project (what the sanitizer's pseudonyms are derived from). */
export function platformProjectSalt(platform: Platform): Promise<string> {
  return projectSalt(platform.controllerEnv.OEC_DATABASE_URL ?? '', platform.project.id);
}
