// The target's identity on a copy-on-write copy of the source's cluster (decision 0020), the same
// under every runtime that clones clusters (local per_environment, docker with its data on the
// agent's data root): only the source's database stays, renamed to the clone's work database, its
// objects and the database itself given to the target's role (created with the target's password),
// the source's role dropped, subscriptions detached from their slot and dropped, pg_authid
// rewritten so that no dropped password hash stays in the copy's files, CONNECT closed until the
// sanitization proof passes.
import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../postgres/sql.js';
import * as sql from './local-db.js';

type Db = Pick<pg.ClientBase, 'query'>;

export interface CopyIdentity {
  /** A superuser session on the copy's `postgres` database. */
  admin: Db;
  /** A superuser session on one database of the copy, closed after `fn`. */
  onDatabase<T>(database: string, fn: (c: Db) => Promise<T>): Promise<T>;
  /** The source's database and role (an environment's role is named after its database). */
  source: string;
  /** The target's role. */
  role: string;
  password: string;
  /** What the source's database becomes. */
  workDb: string;
  /**
   * The copy's superuser and its new password, when the runtime connects with a password of its
   * own (docker: the copy carries the source container's superuser hash until changed here);
   * `admin` is then a session authenticated with the old one, and `onDatabase` uses the new one.
   */
  superuser?: { name: string; password: string };
}

/** Gives the copy the target's identity; answers the work database's size and public tables. */
export async function adoptClusterCopy(o: CopyIdentity): Promise<{ bytes: number; tables: number }> {
  const { admin, role, workDb, source } = o;
  // First, so that every later session (onDatabase) authenticates with the target's own password.
  if (o.superuser) await admin.query(`ALTER ROLE ${quoteIdent(o.superuser.name)} PASSWORD ${quoteLiteral(o.superuser.password)}`);
  for (const name of await sql.otherDatabases(admin, source)) await sql.dropDatabase(admin, name);
  await sql.renameIdleDatabase(admin, source, workDb);
  await sql.ensureRole(admin, role, o.password);
  // The whole cluster is the copy: REASSIGN OWNED also gives the target the database itself.
  const reassign = `REASSIGN OWNED BY ${quoteIdent(source)} TO ${quoteIdent(role)}`;
  const revoke = `DROP OWNED BY ${quoteIdent(source)}`;
  // One session on the copy's database: its objects, its subscriptions, its size.
  const facts = await o.onDatabase(workDb, async (c) => {
    await c.query(reassign);
    await c.query(revoke);
    // A subscription copied from the source would consume the source's publication: detached
    // from its slot (which stays the publisher's) and dropped before anything can turn it on.
    const { rows } = await c.query<{ name: string }>('SELECT subname AS name FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())');
    for (const { name } of rows) {
      await c.query(`ALTER SUBSCRIPTION ${quoteIdent(name)} DISABLE`);
      await c.query(`ALTER SUBSCRIPTION ${quoteIdent(name)} SET (slot_name = NONE)`);
      await c.query(`DROP SUBSCRIPTION ${quoteIdent(name)}`);
    }
    const size = await c.query<{ bytes: string; tables: number }>(
      "SELECT pg_database_size(current_database())::text AS bytes, (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public') AS tables",
    );
    return { bytes: Number(size.rows[0]?.bytes ?? 0), tables: size.rows[0]?.tables ?? 0 };
  });
  // then what the cluster holds outside it: the database's owner, the source's role
  await admin.query(reassign);
  await admin.query(revoke);
  await sql.dropRole(admin, source);
  await admin.query('VACUUM FULL pg_catalog.pg_authid');
  await sql.revokePublicConnect(admin, workDb);
  await sql.revokeRoleConnect(admin, workDb, role);
  return facts;
}
