// The SQL of an environment's database lifecycle in a cluster we administer as superuser.
// Identifiers are quoted with quoteIdent and come only from db_name (validated by the shared
// schema: `^[a-z_][a-z0-9_]{0,62}$`); values are query parameters where PostgreSQL allows them.
import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../postgres/sql.js';

type Db = Pick<pg.Pool, 'query'>;

const DUPLICATE_OBJECT = '42710';
const DUPLICATE_DATABASE = '42P04';

function pgCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

export async function roleExists(db: Db, role: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return (rowCount ?? 0) > 0;
}

/** Every database of the cluster but the templates (reconciliation's inventory). */
export async function listDatabases(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ datname: string }>('SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname');
  return rows.map((r) => r.datname);
}

export async function databaseExists(db: Db, name: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return (rowCount ?? 0) > 0;
}

/**
 * LOGIN role with the given password, INHERIT (it must inherit pg_database_owner to create in
 * `public`); an existing role gets the same attributes and password (create may be re-run after a
 * partial failure). CREATE/ALTER ROLE take no parameters, so the password (hex we generated) is
 * quoted as a literal.
 */
export async function ensureRole(db: Db, role: string, password: string): Promise<void> {
  const attrs = `LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${quoteLiteral(password)}`;
  if (!(await roleExists(db, role))) {
    try {
      await db.query(`CREATE ROLE ${quoteIdent(role)} ${attrs}`);
      return;
    } catch (e) {
      if (pgCode(e) !== DUPLICATE_OBJECT) throw e;
    }
  }
  await db.query(`ALTER ROLE ${quoteIdent(role)} ${attrs}`);
}

/** The database owned by the role, from template0 in UTF8; an existing one gets the owner. */
export async function ensureDatabase(db: Db, name: string, owner: string): Promise<void> {
  if (!(await databaseExists(db, name))) {
    try {
      await db.query(`CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(owner)} TEMPLATE template0 ENCODING 'UTF8'`);
      return;
    } catch (e) {
      if (pgCode(e) !== DUPLICATE_DATABASE) throw e;
    }
  }
  await db.query(`ALTER DATABASE ${quoteIdent(name)} OWNER TO ${quoteIdent(owner)}`);
}

/** Nobody but superusers may connect (SPEC §3): PUBLIC never, the role only once started. */
export async function revokePublicConnect(db: Db, name: string): Promise<void> {
  await db.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${quoteIdent(name)} FROM PUBLIC`);
}

/** The owner's implicit CONNECT is revoked too, or ownership alone would let the app in. */
export async function revokeRoleConnect(db: Db, name: string, role: string): Promise<void> {
  await db.query(`REVOKE CONNECT ON DATABASE ${quoteIdent(name)} FROM ${quoteIdent(role)}`);
}

export async function grantRoleConnect(db: Db, name: string, role: string): Promise<void> {
  await db.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdent(name)} TO ${quoteIdent(role)}`);
}

/** End the role's sessions on the database (the app's pool, crons). Returns how many. */
export async function terminateRoleBackends(db: Db, name: string, role: string): Promise<number> {
  const { rows } = await db.query<{ ok: boolean }>(
    'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND usename = $2 AND pid <> pg_backend_pid()',
    [name, role],
  );
  return rows.filter((r) => r.ok).length;
}

export async function dropDatabase(db: Db, name: string): Promise<void> {
  await db.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

export async function dropRole(db: Db, role: string): Promise<void> {
  await db.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
}

export async function databaseSize(db: Db, name: string): Promise<number> {
  const { rows } = await db.query<{ size: string }>('SELECT pg_database_size($1)::text AS size', [name]);
  return Number(rows[0]?.size ?? 0);
}

/** `15.18 (Debian …)` → `15.18`. */
export async function serverVersion(db: Db): Promise<string> {
  const { rows } = await db.query<{ server_version: string }>('SHOW server_version');
  return (rows[0]?.server_version ?? '').split(' ')[0] ?? '';
}

/**
 * In one transaction: `current` becomes `retained` and `next` becomes `current`, after ending the
 * sessions on both (the two renames are atomic together). `client` must be a dedicated session.
 */
export async function swapDatabaseNames(client: pg.ClientBase, current: string, next: string, retained: string): Promise<void> {
  await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()', [
    [current, next],
  ]);
  await client.query('BEGIN');
  try {
    await client.query(`ALTER DATABASE ${quoteIdent(current)} RENAME TO ${quoteIdent(retained)}`);
    await client.query(`ALTER DATABASE ${quoteIdent(next)} RENAME TO ${quoteIdent(current)}`);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Every database but the templates, `postgres` and `keep` (a copied cluster keeps only the clone's). */
export async function otherDatabases(db: Db, keep: string): Promise<string[]> {
  const { rows } = await db.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1') AND datname <> $1 ORDER BY datname",
    [keep],
  );
  return rows.map((r) => r.datname);
}

/**
 * Rename a database nobody should be using (a copied cluster just started): sessions on it (an
 * autovacuum worker) are ended first, and the rename retried while one comes back.
 */
export async function renameIdleDatabase(db: Db, from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [from]);
    try {
      await db.query(`ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`);
      return;
    } catch (e) {
      if (attempt >= 10 || !(e instanceof Error && /is being accessed by other users/.test(e.message))) throw e;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
