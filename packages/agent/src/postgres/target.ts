// How the agent reaches its PostgreSQL cluster as superuser: its own (owned) cluster, or an
// external one given by URL. Client tools get the same target through PG* environment variables.
import type { ClusterInfo } from './cluster.js';

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string | null;
  /** Database for administrative connections. */
  database: string;
  /** Where pg_dump/pg_restore/psql matching the server live; null = from PATH. */
  binDir: string | null;
}

export function targetFromCluster(info: ClusterInfo): PgTarget {
  return { host: '127.0.0.1', port: info.port, user: info.superuser, password: null, database: 'postgres', binDir: info.binDir };
}

/** Parse a `postgres://user:password@host:port/db` URL (validated by the config already). */
export function targetFromUrl(url: string, binDir: string | null = null): PgTarget {
  const u = new URL(url);
  return {
    host: decodeURIComponent(u.hostname) || '127.0.0.1',
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || 'postgres',
    password: u.password ? decodeURIComponent(u.password) : null,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
    binDir,
  };
}

/** libpq environment for client tools: credentials travel in the environment, never in argv. */
export function pgEnv(target: PgTarget, database: string, user = target.user, password = target.password): NodeJS.ProcessEnv {
  return {
    PGHOST: target.host,
    PGPORT: String(target.port),
    PGUSER: user,
    PGDATABASE: database,
    PGCONNECT_TIMEOUT: '15',
    PGAPPNAME: 'oec-agent',
    ...(password !== null ? { PGPASSWORD: password } : {}),
  };
}
