// Fill an environment created through the API with Odoo-shaped data, as its own role would
// (tables owned by the environment's role, files in its filestore), on the agent's cluster.
import pg from 'pg';
import type { Environment } from '@oec/shared';
import { generateOdooDatabase, type GeneratedSummary, type OdooSize } from '../odoo/index.js';
import type { ClusterInfo } from '@oec/agent/postgres';
import { agentSocketDir, clusterClientConfig } from './pg-conn.js';

export interface SeedOptions {
  size?: OdooSize;
  seed?: number | string;
  omit?: readonly string[];
  /** Also plant personal data in every catalogued Odoo 17 place (GenerateOptions.personalData). */
  personalData?: boolean;
  /**
   * The agent the environment lives on: connect through its cluster's unix socket instead of the
   * connection's host (needed when the agent runs in another network namespace).
   */
  agent?: { dataDir: string };
  /** Reach the environment's server this way instead (an environment's PostgreSQL container). */
  cluster?: ClusterInfo;
}

export async function seedEnvironment(env: Environment, opts: SeedOptions = {}): Promise<GeneratedSummary> {
  const conn = env.connection;
  if (!conn || !env.filestore_path) throw new Error(`environment ${env.id} has no connection details or filestore`);
  const host = opts.agent ? agentSocketDir(opts.agent.dataDir) : conn.host;
  const client = new pg.Client(opts.cluster ? clusterClientConfig(opts.cluster, conn.database) : { host, port: conn.port, user: 'postgres', database: conn.database });
  await client.connect();
  try {
    await client.query(`SET ROLE ${pg.escapeIdentifier(conn.user)}`);
    return await generateOdooDatabase(client, {
      size: opts.size ?? 'tiny',
      seed: opts.seed ?? 42,
      filestoreDir: env.filestore_path,
      modules: { omit: opts.omit ?? [] },
      ...(opts.personalData ? { personalData: true } : {}),
    });
  } finally {
    await client.end();
  }
}
