// Read-only SQL on Odoo databases that several clone steps need (on the source, the work
// database or the target), on one server and across two.
import type pg from 'pg';
import type { ClonePlan } from '@oec/shared';

/** Distinct `ir_attachment.store_fname` values (files the database expects in its filestore). */
export async function referencedFiles(client: pg.ClientBase): Promise<string[]> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('ir_attachment')::text AS t");
  if (!exists.rows[0]?.t) return [];
  const { rows } = await client.query<{ f: string }>(
    'SELECT DISTINCT store_fname AS f FROM ir_attachment WHERE store_fname IS NOT NULL ORDER BY 1',
  );
  return rows.map((r) => r.f);
}

/** Number of ordinary tables in the public schema. */
export async function tableCount(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p') AND n.nspname = 'public'",
  );
  return rows[0]?.n ?? 0;
}

/** Bytes of table data (heap + TOAST, no indexes): what a dump roughly carries. */
export async function tableDataBytes(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    "SELECT coalesce(sum(pg_table_size(c.oid)), 0)::text AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p') AND n.nspname = 'public'",
  );
  return Number(rows[0]?.n ?? 0);
}

/** Table count and table data bytes of a database: a dump's size and progress denominators. */
export async function tableFacts(client: pg.ClientBase): Promise<{ tables: number; bytes: number }> {
  return { tables: await tableCount(client), bytes: await tableDataBytes(client) };
}

/**
 * The files (`store_fname`) that only attachments of the sensitive models reference: with
 * replace_sensitive_attachments those rows get placeholders, so the clone's filestore never needs
 * these files and the filestore copy leaves them out (read in the source's snapshot, like the
 * rows). A file another attachment shares is kept. Empty without ir_attachment's columns.
 */
export async function sensitiveOnlyFiles(client: pg.ClientBase, models: readonly string[]): Promise<Set<string>> {
  if (models.length === 0) return new Set();
  // a failing query would abort the snapshot's transaction: look at the catalog first
  const { rows: cols } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = to_regclass('public.ir_attachment')
        AND attname = ANY($1::text[]) AND NOT attisdropped`,
    [['store_fname', 'res_model', 'type']],
  );
  if (cols[0]?.n !== 3) return new Set();
  const { rows } = await client.query<{ f: string }>(
    `SELECT store_fname AS f FROM public.ir_attachment WHERE store_fname IS NOT NULL GROUP BY store_fname
     HAVING bool_and(coalesce(res_model = ANY($1::text[]) AND type IS DISTINCT FROM 'url', false))`,
    [[...models]],
  );
  return new Set(rows.map((r) => r.f));
}

/** The source files a clone's filestore copy leaves out (replace_sensitive_attachments). */
export async function filesLeftOut(client: pg.ClientBase, plan: ClonePlan): Promise<Set<string>> {
  return plan.sanitization.options.replace_sensitive_attachments ? sensitiveOnlyFiles(client, plan.sensitive_models ?? []) : new Set();
}
