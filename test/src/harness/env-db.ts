// Direct access, for assertions, to the databases and files of environments created through the
// API: the agent's cluster (superuser, loopback or unix socket) and the controller's state.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findPgBinDir, ownedClusterDir, type ClusterInfo } from '@oec/agent/postgres';
import type { Environment } from '@oec/shared';
import type pg from 'pg';
import { withClient } from '../odoo/db.js';
import { agentSocketDir } from './pg-conn.js';

/**
 * The agent cluster an environment lives in, as ClusterInfo for the db-facts helpers. Without an
 * agent: over TCP on 127.0.0.1 (socketDir ''). With the agent (an AgentHandle, or anything with
 * its data dir): through its owned cluster's unix socket, which also works for an agent in another
 * network namespace, whose 127.0.0.1 is not ours.
 */
export function clusterOf(env: Environment, agent?: { dataDir: string }): ClusterInfo {
  const port = env.connection?.port;
  if (!port) throw new Error(`environment ${env.id} carries no connection details`);
  if (!agent) return { dir: '', dataDir: '', socketDir: '', port, superuser: 'postgres', binDir: findPgBinDir() };
  // OEC_LOCAL_CLUSTERS=per_environment: the environment's own cluster, through its socket if it has one.
  const own = join(agent.dataDir, 'environments', env.id, 'postgres');
  if (existsSync(join(own, 'data'))) {
    const socketDir = existsSync(join(own, 'socket')) ? join(own, 'socket') : '';
    return { dir: own, dataDir: join(own, 'data'), socketDir, port, superuser: 'postgres', binDir: findPgBinDir() };
  }
  const dir = ownedClusterDir(agent.dataDir);
  return { dir, dataDir: join(dir, 'data'), socketDir: agentSocketDir(agent.dataDir), port, superuser: 'postgres', binDir: findPgBinDir() };
}

/** An agent's own cluster (superuser, through its unix socket), whatever environments it holds. */
export async function agentCluster(agent: { dataDir: string }): Promise<ClusterInfo> {
  const dir = ownedClusterDir(agent.dataDir);
  const port = Number((await readFile(join(dir, 'port'), 'utf8')).trim());
  return { dir, dataDir: join(dir, 'data'), socketDir: agentSocketDir(agent.dataDir), port, superuser: 'postgres', binDir: findPgBinDir() };
}

/** A client on the controller's database, closed afterwards. */
export function withControllerDb<T>(url: string, fn: (c: pg.ClientBase) => Promise<T>): Promise<T> {
  return withClient(url, fn);
}

/** The project's sanitization salt (anonymized values derive from it), from the controller's state. */
export function projectSalt(controllerDbUrl: string, projectId: string): Promise<string> {
  return withControllerDb(controllerDbUrl, async (c) => {
    const r = await c.query<{ s: string | null }>('SELECT sanitize_salt AS s FROM projects WHERE id = $1', [projectId]);
    return r.rows[0]?.s ?? '';
  });
}
