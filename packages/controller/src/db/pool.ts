// PostgreSQL access: one pg Pool behind a small interface (query + transaction) that services
// and the agent hub use. Values are always bound as parameters, never interpolated.
import pg from 'pg';
import type { QueryResult, QueryResultRow } from 'pg';

export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

export interface Db extends Queryable {
  /** Run `fn` inside BEGIN/COMMIT on one connection; ROLLBACK when it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The controller's pool. `replicaId` is set as the session's `oec.replica`, which rows it
 * creates take as their owner (tasks) and lifecycle claims record (decision 0018).
 */
export function createPool(databaseUrl: string, max = 10, replicaId?: string): pg.Pool {
  return new pg.Pool({
    connectionString: databaseUrl,
    max,
    application_name: 'oec-controller',
    ...(replicaId ? { options: `-c oec.replica=${replicaId}` } : {}),
  });
}

/** A replica id: host name and pid (what an operator recognizes) and a random tail; safe in `-c`. */
export function newReplicaId(host: string, pid: number, random: string): string {
  const safe = host.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 40) || 'host';
  return `${safe}-${pid}-${random}`;
}

export function createDb(pool: pg.Pool): Db {
  return {
    query: (text, values) => pool.query(text, values),
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (text, values) => client.query(text, values) });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** The constraint name of a unique violation (SQLSTATE 23505), or null for any other error. */
export function uniqueViolation(err: unknown): string | null {
  if (typeof err === 'object' && err !== null && 'code' in err && err.code === '23505') {
    const constraint = 'constraint' in err ? err.constraint : undefined;
    return typeof constraint === 'string' ? constraint : '';
  }
  return null;
}

/** A timestamptz column as the API's ISO-8601 string. */
export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
