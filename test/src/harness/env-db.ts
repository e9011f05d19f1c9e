// Direct access, for assertions, to the databases and files of environments created through the
// API: the agent's cluster (superuser, loopback) and the controller's own state database.
import { findPgBinDir, type ClusterInfo } from '@oec/agent/postgres';
import type { Environment } from '@oec/shared';
import pg from 'pg';

/** The agent cluster an environment lives in, as ClusterInfo for the db-facts helpers. */
export function clusterOf(env: Environment): ClusterInfo {
  const port = env.connection?.port;
  if (!port) throw new Error(`environment ${env.id} carries no connection details`);
  return { dir: '', dataDir: '', socketDir: '', port, superuser: 'postgres', binDir: findPgBinDir() };
}

export async function withControllerDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
