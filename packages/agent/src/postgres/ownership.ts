// Moving ownership of every object inside ONE database from one role to another, for a database
// copied with CREATE DATABASE … TEMPLATE (its objects still belong to the source's role).
// REASSIGN OWNED is not used on purpose: it also reassigns shared objects, including the source
// database itself, which lives outside the copy.
import type pg from 'pg';
import { quoteIdent } from './sql.js';

const STATEMENTS = [
  // Schemas (public belongs to pg_database_owner from PostgreSQL 15 on, so it is not listed).
  `SELECT format('ALTER SCHEMA %I OWNER TO %I', nspname, $2::text) AS stmt
     FROM pg_namespace WHERE nspowner = $1::regrole`,
  // Tables, views, materialized views, foreign tables (their owned sequences follow the table).
  `SELECT format('ALTER %s %s OWNER TO %I',
            CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
            c.oid::regclass, $2::text) AS stmt
     FROM pg_class c WHERE c.relowner = $1::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
  // Sequences not owned by a column (those moved with their table above).
  `SELECT format('ALTER SEQUENCE %s OWNER TO %I', c.oid::regclass, $2::text) AS stmt
     FROM pg_class c WHERE c.relowner = $1::regrole AND c.relkind = 'S'`,
  `SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $2::text) AS stmt
     FROM pg_proc p WHERE p.proowner = $1::regrole`,
  // Stand-alone types (enums, domains, ranges); row types of tables move with their table.
  `SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, $2::text) AS stmt
     FROM pg_type t WHERE t.typowner = $1::regrole AND t.typtype IN ('e', 'd', 'r') `,
];

/** Give `to` every object `from` owns in the database `client` is connected to. Returns the count. */
export async function transferOwnership(client: pg.ClientBase, from: string, to: string): Promise<number> {
  let moved = 0;
  for (const query of STATEMENTS) {
    const { rows } = await client.query<{ stmt: string }>(query, [quoteIdent(from), to]);
    for (const { stmt } of rows) {
      try {
        await client.query(stmt);
        moved++;
      } catch (e) {
        // A sequence linked to a table already moved with it.
        if (!(e instanceof Error && /linked to table|cannot change owner of sequence/.test(e.message))) throw e;
      }
    }
  }
  await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${quoteIdent(from)}`);
  await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${quoteIdent(from)}`);
  return moved;
}
