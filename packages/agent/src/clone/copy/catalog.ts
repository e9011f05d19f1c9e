// What the COPY path carries, read from the source inside the copy's snapshot: the tables whose
// rows pg_dump's data section would dump (ordinary and unlogged tables and partitions of every
// non-system schema that no extension owns), their copied columns (no generated or dropped
// columns), and the sequences' values. What the data section would also carry and this path does
// not (large objects, extension configuration tables) is refused before anything is written.
// Everything here is a read: no temp table, no function, nothing created on the source.
import type pg from 'pg';
import { AppError, CopyPathRefusal, ErrorCode } from '@oec/shared';

export interface CopyTableInfo {
  schema: string;
  name: string;
  columns: string[];
  /** pg_table_size: the progress denominator (text COPY is of the same order). */
  bytes: number;
  /** Blocks of the main fork (pg_relation_size / block_size): what a split copy divides. */
  pages?: number;
  /** One block range of a table copied in parts (source.ts); absent: the whole table. */
  part?: CopyPart;
}

/** Blocks [first, end) of the table (end null: to the last block), part `index` of `of`. */
export interface CopyPart {
  index: number;
  of: number;
  first: number;
  end: number | null;
}

export interface SequenceValue {
  schema: string;
  name: string;
  last_value: string;
  is_called: boolean;
}

export interface CopyCatalog {
  tables: CopyTableInfo[];
  sequences: SequenceValue[];
}

/** Schemas pg_dump never dumps. */
const SYSTEM_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";
/** Objects an extension owns are created by CREATE EXTENSION, not dumped. */
const NOT_EXTENSION_MEMBER = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')";

export function qualified(t: { schema: string; name: string }): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

export function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** Refuse, before anything is written, what this path would otherwise leave behind. */
export async function refuseUncarried(client: pg.ClientBase): Promise<void> {
  const lo = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_largeobject_metadata');
  const los = Number(lo.rows[0]?.n ?? 0);
  if (los > 0) {
    throw new AppError(
      ErrorCode.RESTORE_FAILED,
      `The source database holds ${los} large object${los > 1 ? 's' : ''} (pg_largeobject); the COPY data path does not carry them. Clone without in-stream masking (data path dump_restore) or remove them.`,
      { step: 'backing_up_database', reason: CopyPathRefusal.LARGE_OBJECTS, objects: los },
    );
  }
  const ext = await client.query<{ extname: string }>(
    'SELECT extname FROM pg_extension WHERE extconfig IS NOT NULL AND cardinality(extconfig) > 0 ORDER BY 1',
  );
  if (ext.rows.length > 0) {
    const names = ext.rows.map((r) => r.extname);
    throw new AppError(
      ErrorCode.RESTORE_FAILED,
      `Extension${names.length > 1 ? 's' : ''} ${names.join(', ')} keep${names.length > 1 ? '' : 's'} configuration tables whose rows pg_dump carries; the COPY data path does not. Clone with the data path dump_restore.`,
      { step: 'backing_up_database', reason: CopyPathRefusal.EXTENSION_CONFIG_DATA, objects: names },
    );
  }
}

export async function readCatalog(client: pg.ClientBase): Promise<CopyCatalog> {
  const tables = await readTables(client);
  const seqs = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND ${SYSTEM_SCHEMAS} AND ${NOT_EXTENSION_MEMBER} ORDER BY 1, 2`,
  );
  const sequences: SequenceValue[] = [];
  for (const s of seqs.rows) {
    // A sequence is not transactional: like pg_dump, this reads its value now (at most ahead of
    // the snapshot, never behind it), so ids the copied rows hold are never handed out again.
    const v = await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text AS last_value, is_called FROM ${qualified(s)}`);
    const row = v.rows[0];
    if (row) sequences.push({ ...s, ...row });
  }
  return { tables, sequences };
}

/** The tables alone (what an in-place pass reads), largest first; no sequence is read. */
export async function readTables(client: pg.ClientBase): Promise<CopyTableInfo[]> {
  const tables = await client.query<{ schema: string; name: string; columns: string[] | null; bytes: string; pages: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, pg_table_size(c.oid)::text AS bytes,
            (pg_relation_size(c.oid) / current_setting('block_size')::int)::text AS pages,
            (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND ${SYSTEM_SCHEMAS} AND ${NOT_EXTENSION_MEMBER}
      ORDER BY pg_table_size(c.oid) DESC, 1, 2`,
  );
  return tables.rows.map((t) => ({ schema: t.schema, name: t.name, columns: t.columns ?? [], bytes: Number(t.bytes), pages: Number(t.pages) }));
}

/** Hold every copied table in ACCESS SHARE until the copy ends, as pg_dump does (no DDL under it). */
export async function lockTables(client: pg.ClientBase, tables: readonly CopyTableInfo[]): Promise<void> {
  for (let i = 0; i < tables.length; i += 200) {
    const part = tables.slice(i, i + 200);
    await client.query(`LOCK TABLE ${part.map((t) => `ONLY ${qualified(t)}`).join(', ')} IN ACCESS SHARE MODE`);
  }
}
