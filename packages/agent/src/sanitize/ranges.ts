// Key ranges of a big table, so that one set-based pass over it (an UPDATE, a proof count) runs as
// a few statements of about `batchRows` rows each and reports after each: a single statement over
// half a million rows would otherwise freeze the progress bar for minutes. The ranges are
// contiguous, `id >= lo AND id < hi` from min(id) to max(id) + 1, so together they cover every
// row exactly once (the proof stays exhaustive; nothing else writes the work database meanwhile).
// Only tables over `minTableRows` with an integer `id` are split; others run as one statement.
import type { BatchOptions, SqlRunner } from './types.js';
import { quoteIdent } from './personal/map.js';

export const DEFAULT_BATCH: BatchOptions = { rows: 50_000, minTableRows: 200_000 };

/** One statement's share of a table: `lo <= id < hi`, and the rows before `hi` (estimated). */
export interface KeyRange {
  lo: number;
  hi: number;
  /** Rows of the table up to `hi` (the estimate's rows × the share of the ids covered). */
  rowsThrough: number;
}

/**
 * The ranges covering ids `min..max` in steps of about `batch` rows of a table of `rows` rows (pure).
 * The last ends at `max + 1`; `rowsThrough` of the last is `rows`.
 */
export function keyRanges(min: number, max: number, rows: number, batch: number): KeyRange[] {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) return [];
  const span = max - min + 1;
  const width = Math.max(1, Math.ceil((Math.max(1, batch) * span) / Math.max(1, rows)));
  const out: KeyRange[] = [];
  for (let lo = min; lo <= max; lo += width) {
    const hi = Math.min(max + 1, lo + width);
    out.push({ lo, hi, rowsThrough: hi > max ? rows : Math.round((rows * (hi - min)) / span) });
  }
  return out;
}

/** The SQL condition of a range on `alias.id` (integers, checked safe: never a value from outside). */
export function rangeSql(alias: string, r: Pick<KeyRange, 'lo' | 'hi'>): string {
  if (!Number.isSafeInteger(r.lo) || !Number.isSafeInteger(r.hi)) throw new Error(`rangeSql: not an integer range ${r.lo}..${r.hi}`);
  return `${quoteIdent(alias)}.id >= ${r.lo} AND ${quoteIdent(alias)}.id < ${r.hi}`;
}

/** The ranges of `table` when it is to be split (over `minTableRows`, integer `id`), else null. */
export async function tableRanges(db: SqlRunner, table: string, rows: number, batch: BatchOptions): Promise<KeyRange[] | null> {
  if (rows <= batch.minTableRows || rows <= batch.rows) return null;
  const { rows: types } = await db.query<{ t: string }>(
    `SELECT a.atttypid::regtype::text AS t FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = to_regclass(quote_ident($1::text)) AND a.attname = 'id' AND a.attnotnull AND NOT a.attisdropped`,
    [table],
  );
  if (!['integer', 'bigint', 'smallint'].includes(types[0]?.t ?? '')) return null;
  const { rows: bounds } = await db.query<{ lo: string | null; hi: string | null }>(`SELECT min(id)::text AS lo, max(id)::text AS hi FROM ${quoteIdent(table)}`);
  const lo = Number(bounds[0]?.lo ?? NaN);
  const hi = Number(bounds[0]?.hi ?? NaN);
  const ranges = keyRanges(lo, hi, rows, batch.rows);
  return ranges.length > 1 ? ranges : null;
}

/**
 * Rows of every table of `public` from the statistics (pg_class.reltuples); a table never analyzed
 * (-1) counts its heap's 8 kB pages at an assumed 50 rows a page, a stand-in until ANALYZE.
 */
export async function tableRows(db: SqlRunner): Promise<Map<string, number>> {
  const { rows } = await db.query<{ name: string; n: number }>(
    `SELECT c.relname AS name, (CASE WHEN c.reltuples >= 0 THEN c.reltuples ELSE pg_catalog.pg_relation_size(c.oid) / 8192.0 * 50 END)::float8 AS n
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`,
  );
  return new Map(rows.map((r) => [r.name, Math.max(0, Number(r.n))]));
}
