// Loading the Odoo 17 DDL, whole or without some tables (a module that is not installed).
// The DDL is split into pg_dump's sections: pre-data (extensions, tables, sequences, defaults) and
// post-data (primary keys, unique constraints, indexes, foreign keys), so that a bulk load can run
// between the two. Omitting a table drops every statement that names it, and the tables that
// inherit from it.
import type pg from 'pg';
import { ODOO17_SCHEMA_SQL } from './schema-sql.js';

export interface OdooSchemaOptions {
  /** Tables to leave out, e.g. ['fetchmail_server', 'payment_provider', 'auth_totp_device']. */
  omit?: readonly string[];
}

export interface OdooSchemaPlan {
  /** Tables created, in DDL order. */
  tables: string[];
  /** Tables left out: the requested ones plus those inheriting from them. */
  omitted: string[];
  preData: string[];
  postData: string[];
}

interface Statement {
  sql: string;
  refs: string[];
  creates: string | undefined;
  post: boolean;
}

function parse(sql: string): Statement[] {
  const body = sql
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n');
  const texts = body
    .split(/;\s*\n/)
    .map((s) => s.trim().replace(/;$/, ''))
    .filter((s) => s.length > 0);
  const created = new Set<string>();
  for (const t of texts) {
    const m = /^CREATE TABLE public\.(\w+)/.exec(t);
    if (m?.[1]) created.add(m[1]);
  }
  return texts.map((t) => {
    const refs = new Set<string>();
    for (const m of t.matchAll(/public\.(\w+)/g)) {
      const name = (m[1] ?? '').replace(/_id_seq$/, '');
      if (created.has(name)) refs.add(name);
    }
    return {
      sql: t,
      refs: [...refs],
      creates: /^CREATE TABLE public\.(\w+)/.exec(t)?.[1],
      post: /ADD CONSTRAINT|^CREATE (UNIQUE )?INDEX/.test(t),
    };
  });
}

const STATEMENTS = parse(ODOO17_SCHEMA_SQL);

/** The 31 Odoo tables of the DDL, in DDL order. */
export const ODOO_TABLES: readonly string[] = STATEMENTS.flatMap((s) => (s.creates ? [s.creates] : []));

/** The statements to run for a schema without the `omit` tables. Throws on an unknown table. */
export function planOdooSchema(opts: OdooSchemaOptions = {}): OdooSchemaPlan {
  const omitted = new Set<string>();
  for (const t of opts.omit ?? []) {
    if (!ODOO_TABLES.includes(t)) throw new Error(`unknown Odoo table to omit: ${t}`);
    omitted.add(t);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of STATEMENTS) {
      if (s.creates && !omitted.has(s.creates) && s.refs.some((r) => omitted.has(r))) {
        omitted.add(s.creates);
        changed = true;
      }
    }
  }
  const kept = STATEMENTS.filter((s) => !s.refs.some((r) => omitted.has(r)));
  return {
    tables: ODOO_TABLES.filter((t) => !omitted.has(t)),
    omitted: ODOO_TABLES.filter((t) => omitted.has(t)),
    preData: kept.filter((s) => !s.post).map((s) => s.sql),
    postData: kept.filter((s) => s.post).map((s) => s.sql),
  };
}

/** The DDL text (both sections) for a schema without the `omit` tables. */
export function odooSchemaSql(opts: OdooSchemaOptions = {}): string {
  const plan = planOdooSchema(opts);
  return [...plan.preData, ...plan.postData].map((s) => `${s};\n`).join('');
}

/** Run statements as one multi-statement query (simple protocol: no parameters). */
export async function runStatements(client: pg.ClientBase, statements: readonly string[]): Promise<void> {
  if (statements.length > 0) await client.query(statements.map((s) => `${s};`).join('\n'));
}

/** Create the Odoo tables (without the `omit` ones) in the connected, empty database. */
export async function loadOdooSchema(client: pg.ClientBase, opts: OdooSchemaOptions = {}): Promise<OdooSchemaPlan> {
  const plan = planOdooSchema(opts);
  await runStatements(client, [...plan.preData, ...plan.postData]);
  return plan;
}
