// After masking on a snapshot: leave no source value in the copy's own files.
//
// An UPDATE leaves the old row versions in the heap (dead tuples), the old keys in the indexes,
// samples of the old values in pg_statistic, and full-page images of the old pages in the WAL.
// So: rewrite each masked table (`VACUUM (FULL, ANALYZE)`: new heap, TOAST and index files; the
// old ones are truncated at commit and unlinked at the next checkpoint), rewrite the statistics
// catalogs, checkpoint, then switch WAL segments and checkpoint twice with `wal_recycle = off`
// (start.ts) so that every segment holding WAL from before the end of the scrub, including those
// cloned from the source, is unlinked, not renamed for reuse with its old bytes in it.
// Faster than UPDATE + VACUUM FULL (about 4×, decision 0020): mask while rewriting, with one
// `ALTER TABLE … ALTER COLUMN c TYPE <its type> USING <mask>` per table (maskedRewriteSql), which
// writes a new heap, rebuilds the indexes and keeps the table's identity (oid, foreign keys,
// grants); PostgreSQL refuses it for a column a view or rule uses, where UPDATE + VACUUM FULL stays.
import { performance } from 'node:perf_hooks';
import { drainQueue, type QueueRunner } from '@oec/shared';
import { quoteIdent } from '../sql.js';
import { parseWalFileName } from './layout.js';

export interface TableName {
  schema: string;
  name: string;
}

/** A session on the copy's database, as superuser. */
export interface ScrubClient {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Catalogs that keep samples of column values (most common values, histograms). */
export const STATISTICS_CATALOGS: readonly TableName[] = [
  { schema: 'pg_catalog', name: 'pg_statistic' },
  { schema: 'pg_catalog', name: 'pg_statistic_ext_data' },
];

export function rewriteTableSql(table: TableName, analyze = true): string {
  return `VACUUM (FULL${analyze ? ', ANALYZE' : ''}) ${qualified(table)}`;
}

export interface MaskedColumn {
  name: string;
  /** The column's type as `format_type(atttypid, atttypmod)` gives it: the rewrite keeps it. */
  type: string;
  /**
   * The masking expression over the row's columns. SQL built by the sanitizer from its own rules,
   * never from user input: it is not quoted.
   */
  using: string;
}

/** One table rewrite that masks `columns` (a new heap, indexes rebuilt; identity kept). */
export function maskedRewriteSql(table: TableName, columns: readonly MaskedColumn[]): string {
  if (columns.length === 0) throw new Error('maskedRewriteSql: no column to mask');
  const parts = columns.map((c) => {
    if (!/^[a-z_][a-z0-9_ .]*(\(\d+(,\d+)?\))?(\[\])?$/i.test(c.type)) throw new Error(`unexpected column type: ${JSON.stringify(c.type)}`);
    return `ALTER COLUMN ${quoteIdent(c.name)} TYPE ${c.type} USING ${c.using}`;
  });
  return `ALTER TABLE ${qualified(table)} ${parts.join(', ')}`;
}

function qualified(table: TableName): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

export interface ScrubResult {
  rewriteMs: number;
  walMs: number;
  /** WAL segments in pg_wal afterwards: all written after the scrub. */
  walSegments: string[];
}

/**
 * Rewrite the tables masked by UPDATE (`tables`), analyze those already rewritten by
 * maskedRewriteSql (`rewritten`), rewrite the statistics catalogs, then purge the old WAL.
 * `more` sessions on the same database rewrite tables beside `client`'s, largest first (each
 * rewrite is one process's work: mail_message's took as long as all the others together).
 */
export async function scrubSnapshot(
  client: ScrubClient,
  tables: readonly TableName[],
  rewritten: readonly TableName[] = [],
  more: readonly ScrubClient[] = [],
): Promise<ScrubResult> {
  const t0 = performance.now();
  // a table whose plain indexes masking set aside is rewritten too (its rebuild restores them),
  // also when the masking that set them aside ran in an earlier attempt
  const all = new Map([...tables, ...(await deferredIndexTables(client))].map((t) => [`${t.schema}.${t.name}`, t]));
  const sessions = [client, ...more].map((c): QueueRunner<ScrubClient> => (loop) => loop(c));
  await drainQueue(await largestFirst(client, [...all.values()]), sessions, async (c, table) => {
    await c.query(rewriteTableSql(table));
  });
  const left = await deferredIndexTables(client);
  if (left.length > 0) throw new Error(`indexes still set aside after the rewrite: ${left.map(qualified).join(', ')}`);
  for (const table of rewritten) await client.query(`ANALYZE ${qualified(table)}`);
  for (const catalog of STATISTICS_CATALOGS) await client.query(rewriteTableSql(catalog, false));
  const t1 = performance.now();
  const walSegments = await purgeOldWal(client);
  return { rewriteMs: t1 - t0, walMs: performance.now() - t1, walSegments };
}

/** `tables`, the largest (heap, TOAST and indexes) first. */
async function largestFirst(client: ScrubClient, tables: readonly TableName[]): Promise<TableName[]> {
  if (tables.length < 2) return [...tables];
  const { rows } = await client.query<{ n: number; size: string }>(
    `SELECT u.n::int AS n, coalesce(pg_total_relation_size(to_regclass(quote_ident(u.s) || '.' || quote_ident(u.t))), 0)::text AS size
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY u(s, t, n)`,
    [tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
  const size = new Map(rows.map((r) => [r.n - 1, Number(r.size)]));
  return tables.map((t, i) => ({ t, size: size.get(i) ?? 0 })).sort((a, b) => b.size - a.size).map((x) => x.t);
}

/**
 * The plain indexes of a table a masking pass is about to write (neither unique, nor a primary
 * key, exclusion or replica identity index, nor backing a constraint): set aside until the scrub
 * rewrites the table, marked neither ready nor valid, so its UPDATEs do not maintain them (about
 * 70 % of a masking UPDATE's time on mail_message's eight indexes) and no plan reads them. The
 * rewrite (VACUUM FULL) rebuilds every index and marks these whole again; unique ones are kept
 * up to date throughout and still enforce uniqueness. In the caller's transaction: a rollback
 * restores them. Needs a superuser (pg_index is a catalog). Returns how many were set aside.
 */
export async function deferIndexes(client: ScrubClient, table: TableName): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `WITH d AS (UPDATE pg_catalog.pg_index i SET indisready = false, indisvalid = false
        WHERE i.indrelid = $1::regclass AND ${PLAIN_INDEX} AND i.indisready AND i.indisvalid RETURNING 1)
     SELECT count(*)::text AS n FROM d`,
    [qualified(table)],
  );
  return Number(rows[0]?.n ?? 0);
}

/** An index `i` that no constraint needs: one deferIndexes may set aside. */
const PLAIN_INDEX =
  'i.indislive AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion AND NOT i.indisreplident ' +
  'AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid)';

/** Tables with a plain index set aside (or left invalid by a failed CREATE INDEX CONCURRENTLY): a rewrite rebuilds it. */
export async function deferredIndexTables(client: ScrubClient): Promise<TableName[]> {
  const { rows } = await client.query<TableName>(
    `SELECT DISTINCT n.nspname AS schema, c.relname AS name
       FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE ${PLAIN_INDEX} AND NOT (i.indisready AND i.indisvalid) ORDER BY 1, 2`,
  );
  return rows;
}

/**
 * Remove every WAL segment up to the one being written now. Refuses to run with `wal_recycle` on
 * (old segments would survive under new names), and checks pg_wal afterwards.
 */
export async function purgeOldWal(client: ScrubClient): Promise<string[]> {
  const { rows } = await client.query<{ recycle: string; current: string; size: string }>(
    `SELECT current_setting('wal_recycle') AS recycle, pg_walfile_name(pg_current_wal_insert_lsn()) AS current,
            (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size') AS size`,
  );
  const now = rows[0];
  if (!now) throw new Error('no WAL position');
  if (now.recycle !== 'off') throw new Error('wal_recycle is on: old WAL segments would be reused with their contents');
  const segmentBytes = Number(now.size);
  const last = parseWalFileName(now.current, segmentBytes);
  if (!last) throw new Error(`not a WAL segment: ${now.current}`);
  for (let i = 0; i < 2; i++) {
    await client.query('SELECT pg_switch_wal()');
    await client.query('CHECKPOINT');
  }
  const left = await walSegments(client);
  const old = left.filter((n) => (parseWalFileName(n, segmentBytes)?.segno ?? 0n) <= last.segno);
  if (old.length > 0) throw new Error(`WAL segments from before the scrub are still in pg_wal: ${old.join(', ')}`);
  return left;
}

/** The WAL segment files in pg_wal (not history files, not archive status). */
export async function walSegments(client: ScrubClient): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT name FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$' ORDER BY name`,
  );
  return rows.map((r) => r.name);
}
