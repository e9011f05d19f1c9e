// The copy-on-write path's masking (decision 0020): the snapshot already holds the source's rows,
// so the in-stream sanitizers (transforms.ts, the COPY path's) rewrite them where they stand. For
// each table that has a transform, only the columns it reads leave PostgreSQL (COPY TO, with each
// row's ctid); each row passes the transform, as on the COPY path; the rows it changed go back
// into a temporary table (COPY FROM) and one UPDATE … FROM per table sets them by ctid (the rows it
// leaves out: one DELETE). The values, the pseudonyms and the proof by value (every text field the
// transform wrote or kept searched for the source's values) are the COPY path's, so the copy holds
// what a streamed clone holds; the tokens are searched in JavaScript, one pass per field, instead
// of one regular expression and one index probe per token and class in SQL.
//
// One transaction: a failure leaves the copy as the snapshot made it (the operation then fails
// and its cleanup removes the copy). The tables written are returned: their old row versions are
// dead tuples in the copy's files until the scrub rewrites them.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { quoteIdent, qualified, type CopyTableInfo } from './catalog.js';
import { encodeField, RowSplitter, decodeField, type RowTransform, type RowTransformFactory } from './codec.js';

const TAB = 0x09;

export interface InPlaceResult {
  /** Tables whose transform changed or removed a row (their old row versions are now dead). */
  written: Array<{ schema: string; name: string }>;
  rowsRead: number;
  rowsChanged: number;
  rowsRemoved: number;
}

export interface InPlaceOptions {
  signal: AbortSignal;
  /** After each table: tables done of all tables with a transform. */
  progress?: (done: number, total: number, table: string) => void;
  /** After the last table, before COMMIT: the transforms' proof (throws to roll everything back). */
  beforeCommit?: () => void;
  /** Blocks read at a time (RANGE_PAGES). */
  rangePages?: number;
}

/** Mask the rows of `tables` in place (the client's database), each through `factory`'s transform. */
export async function maskInPlace(client: pg.ClientBase, tables: readonly CopyTableInfo[], factory: RowTransformFactory, opts: InPlaceOptions): Promise<InPlaceResult> {
  const todo: Array<{ table: CopyTableInfo; transform: RowTransform }> = [];
  for (const table of tables) {
    const transform = await factory({ schema: table.schema, name: table.name, columns: table.columns });
    if (transform && transform.columns.length > 0) todo.push({ table, transform });
  }
  const result: InPlaceResult = { written: [], rowsRead: 0, rowsChanged: 0, rowsRemoved: 0 };
  await client.query('BEGIN');
  try {
    // wide UPDATEs and many small plans: JIT would compile for seconds and save nothing
    await client.query(`SELECT set_config('jit', 'off', true)`);
    let done = 0;
    for (const { table, transform } of todo) {
      if (opts.signal.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
      const n = await maskTable(client, table, transform, opts.rangePages ?? RANGE_PAGES);
      result.rowsRead += n.read;
      result.rowsChanged += n.changed;
      result.rowsRemoved += n.removed;
      if (n.changed + n.removed > 0) result.written.push({ schema: table.schema, name: table.name });
      opts.progress?.(++done, todo.length, table.name);
    }
    opts.beforeCommit?.();
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return result;
}

/** The changed rows' staging table: the row's ctid and the transform's columns, typed as the table's. */
const STAGE = 'pg_temp.oec_in_place';
/**
 * Blocks read at a time (16 MB of heap): one session cannot COPY out and in at once, so a range's
 * changed rows are held until it is read, then written; the memory held is bounded by the range.
 */
export const RANGE_PAGES = 2048;

interface Counts {
  read: number;
  changed: number;
  removed: number;
}

async function maskTable(client: pg.ClientBase, table: CopyTableInfo, transform: RowTransform, rangePages: number): Promise<Counts> {
  const columns = transform.columns.map((i) => table.columns[i]!);
  const list = columns.map(quoteIdent).join(', ');
  const target = qualified(table);
  await client.query(`DROP TABLE IF EXISTS ${STAGE}`);
  await client.query(`CREATE TEMP TABLE oec_in_place AS SELECT ctid AS oec_ctid, false AS oec_removed, ${list} FROM ONLY ${target} LIMIT 0`);
  const sets = columns.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`).join(', ');
  const statements = {
    update: `UPDATE ONLY ${target} t SET ${sets} FROM ${STAGE} s WHERE t.ctid = s.oec_ctid AND NOT s.oec_removed`,
    remove: `DELETE FROM ONLY ${target} t USING ${STAGE} s WHERE t.ctid = s.oec_ctid AND s.oec_removed`,
  };
  const total: Counts = { read: 0, changed: 0, removed: 0 };
  // The ranges cover the blocks the table has now: the new row versions the UPDATEs append past
  // them are masked already and not read again (one put in the free space of a later range is
  // read again and left as it is).
  const { rows: size } = await client.query<{ pages: string }>(
    `SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int)::text AS pages`,
    [target],
  );
  const pages = Number(size[0]?.pages ?? 0);
  const ranges = Math.max(1, Math.ceil(pages / rangePages));
  for (let r = 0; r < ranges; r++) {
    const end = Math.min(pages, (r + 1) * rangePages);
    const where = ranges === 1 ? ` WHERE ctid < '(${pages},0)'::tid` : ` WHERE ctid >= '(${r * rangePages},0)'::tid AND ctid < '(${end},0)'::tid`;
    const range = await readRange(client, `COPY (SELECT ctid, ${list} FROM ONLY ${target}${where}) TO STDOUT`, columns.length, transform);
    total.read += range.read;
    total.changed += range.changed;
    total.removed += range.removed;
    if (range.rows.length === 0) continue;
    await pipeline(
      async function* () {
        yield* range.rows;
      },
      client.query(copyStreams.from(`COPY ${STAGE} FROM STDIN`)),
    );
    if (range.changed > 0) await client.query(statements.update);
    if (range.removed > 0) await client.query(statements.remove);
    await client.query(`TRUNCATE ${STAGE}`);
  }
  await client.query(`DROP TABLE ${STAGE}`);
  return total;
}

/** One range's rows through the transform; the changed and removed ones as COPY rows of the stage. */
async function readRange(client: pg.ClientBase, copy: string, width: number, transform: RowTransform): Promise<Counts & { rows: Buffer[] }> {
  const out: Counts & { rows: Buffer[] } = { read: 0, changed: 0, removed: 0, rows: [] };
  const splitter = new RowSplitter();
  const onRow = (row: Buffer): void => {
    out.read++;
    const values: (string | null)[] = [];
    let start = row.indexOf(TAB) + 1;
    const ctid = row.toString('latin1', 0, start - 1);
    for (let i = 0; i < width; i++) {
      const tab = row.indexOf(TAB, start);
      const end = tab < 0 ? row.length : tab;
      values.push(decodeField(row, start, end));
      start = end + 1;
    }
    // a transform may rewrite the array it is given: it gets a copy, `values` stay as read
    const mapped = transform.map([...values]);
    if (mapped === null) {
      out.removed++;
      out.rows.push(Buffer.from(`${ctid}\tt${'\t\\N'.repeat(width)}\n`, 'utf8'));
      return;
    }
    if (values.every((v, i) => v === (mapped[i] ?? null))) return;
    out.changed++;
    out.rows.push(Buffer.from(`${ctid}\tf\t${mapped.map((v) => encodeField(v ?? null)).join('\t')}\n`, 'utf8'));
  };
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      try {
        splitter.push(chunk, onRow);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
    final(done) {
      try {
        const rest = splitter.end();
        if (rest && rest.length > 0) onRow(rest);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
  await pipeline(client.query(copyStreams.to(copy)), sink);
  return out;
}
