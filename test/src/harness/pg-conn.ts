// How test code reaches an agent's PostgreSQL cluster: over TCP on 127.0.0.1 (the agent runs in
// our network namespace; `socketDir` is '') or through the cluster's unix socket directory (the
// agent runs in another namespace, where its 127.0.0.1 is not ours; a pathname socket is reached
// through the filesystem, whatever the namespace), or over TCP to a container's address with the
// superuser's password (docker runtime).
import { join } from 'node:path';
import { clusterUrl, ownedClusterDir, type ClusterInfo } from '@oec/agent/postgres';
import type pg from 'pg';

/** `host`/`password`: a server reached over TCP elsewhere than 127.0.0.1 (a container's address). */
type Reach = Pick<ClusterInfo, 'port' | 'superuser' | 'socketDir'> & { host?: string; password?: string };

/** `<dataDir>/postgres/socket`: the unix socket directory of an agent's owned cluster. */
export function agentSocketDir(dataDir: string): string {
  return join(ownedClusterDir(dataDir), 'socket');
}

/** node-postgres client config for a database of the cluster (unix socket when socketDir is set). */
export function clusterClientConfig(cluster: Reach, database = 'postgres'): pg.ClientConfig {
  if (cluster.host) return { host: cluster.host, port: cluster.port, user: cluster.superuser, password: cluster.password, database };
  if (!cluster.socketDir) return { connectionString: clusterUrl(cluster, database) };
  return { host: cluster.socketDir, port: cluster.port, user: cluster.superuser, database };
}

/** PGHOST/PGPORT/PGUSER for libpq tools (pg_dump, psql): PGHOST is the socket directory when set. */
export function clusterPgEnv(cluster: Reach): Record<string, string> {
  return {
    PGHOST: cluster.host ?? (cluster.socketDir || '127.0.0.1'),
    PGPORT: String(cluster.port),
    PGUSER: cluster.superuser,
    ...(cluster.password ? { PGPASSWORD: cluster.password } : {}),
  };
}
