// The copy-on-write path's masking (decisions 0020, 0021): the snapshot already holds the source's rows,
// so the in-stream sanitizers (transforms.ts, the COPY path's) rewrite them where they stand. For
// each table that has a transform, only the columns it reads leave PostgreSQL (COPY TO, with each
// row's ctid); each row passes the transform, as on the COPY path; the rows it changed go back
// into a temporary table (COPY FROM; each column kept, replaced, or edited: the text between the
// characters it keeps at both ends) and one UPDATE … FROM per range sets them by ctid (the rows it
// leaves out: one DELETE). The values, the pseudonyms and the proof by value (every text field the
// transform wrote or kept searched for the source's values) are the COPY path's, so the copy holds
// what a streamed clone holds; the tokens are searched in JavaScript, one pass per field, instead
// of one regular expression and one index probe per token and class in SQL.
//
// The work is a list of (table, block range) units, largest tables first. One session writes, in
// one transaction, committed only once every unit is done and the transforms' proof passed; a
// second session, when given, reads the next unit (read-only, in one snapshot of the rows as the
// copy started) while the writer stages and updates the previous one, so PostgreSQL's reading and
// writing overlap with the masking here. Only one session ever writes: two writers would wait on
// each other's row locks (a rule's DELETE cascading into rows the other updated) inside
// transactions that commit together, a wait PostgreSQL cannot see as a deadlock. A failure rolls
// back and leaves the copy as the snapshot made it (the operation then fails and its cleanup
// removes the copy). The tables written are returned: their old row versions are dead tuples in the
// copy's files until the scrub rewrites them.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { deferIndexes } from '../../postgres/cow/index.js';
import { quoteIdent, qualified, type CopyTableInfo } from './catalog.js';
import { decodeRow, encodeRow, RowSplitter, type RowTransform, type RowTransformFactory } from './codec.js';

export interface InPlaceResult {
  /** Tables whose transform changed or removed a row (their old row versions are now dead). */
  written: Array<{ schema: string; name: string }>;
  rowsRead: number;
  rowsChanged: number;
  rowsRemoved: number;
  /** Time reading ranges through the transforms, and writing them back (they overlap with a reader). */
  readMs: number;
  writeMs: number;
}

export interface InPlaceOptions {
  signal: AbortSignal;
  /** After each unit: units done of all, and the table it was of. */
  progress?: (done: number, total: number, table: string) => void;
  /** After the last unit, before COMMIT: the transforms' proof (throws to roll everything back). */
  beforeCommit?: () => void;
  /** Blocks read at a time (RANGE_PAGES). */
  rangePages?: number;
  /** Characters of staged rows sent to the server in one write (STAGE_CHUNK). */
  stageChunk?: number;
  /**
   * Set aside the plain indexes of each table written (postgres/cow scrub.ts deferIndexes): only
   * when every table written is rewritten afterwards (the copy-on-write path's scrub), as a
   * superuser. Its UPDATEs then maintain the unique indexes only.
   */
  deferIndexes?: boolean;
}

/**
 * The changed rows' staging table: the row's ctid, whether a rule removes it, and per transform
 * column an operation (`o`: k keep, w the whole value `v`, e an edit: `p` characters kept at the
 * start, `v` between, `s` kept at the end), the values typed as the table's.
 */
const STAGE = 'pg_temp.oec_in_place';
/**
 * Blocks read at a time (16 MB of heap): one session cannot COPY out and in at once, so a range's
 * changed rows are held until it is read, then written; the memory held is bounded by the range.
 */
export const RANGE_PAGES = 2048;
/** Characters of staged rows per write to the writer's COPY (StageChunks). */
const STAGE_CHUNK = 256 * 1024;

interface Counts {
  read: number;
  changed: number;
  removed: number;
}

/** One table with a transform: its columns read, and the statements that write a range back. */
interface Job {
  table: CopyTableInfo;
  transform: RowTransform;
  columns: string[];
  /** Per column: whether a change is staged as an edit (text and varchar in a UTF-8 database). */
  edits: boolean[];
  /** The stage's columns, typed as the table's (a SELECT list over the table). */
  stage: string;
  update: string;
  remove: string;
  counts: Counts;
  /** Its plain indexes are set aside (deferIndexes), or need not be. */
  deferred: boolean;
}

/** One block range of a job's table (where: a condition on ctid). */
interface Unit {
  job: Job;
  where: string;
}

/**
 * Mask the rows of `tables` in place (the sessions' database), each through `factory`'s transform:
 * `sessions[0]` writes, `sessions[1]` (optional) reads ahead.
 */
export async function maskInPlace(sessions: pg.ClientBase | readonly pg.ClientBase[], tables: readonly CopyTableInfo[], factory: RowTransformFactory, opts: InPlaceOptions): Promise<InPlaceResult> {
  const clients = Array.isArray(sessions) ? (sessions as readonly pg.ClientBase[]) : [sessions as pg.ClientBase];
  const writer = clients[0];
  if (!writer) throw new Error('maskInPlace needs a session');
  const reader = clients[1] ?? null;
  const jobs: Job[] = [];
  for (const table of tables) {
    const transform = await factory({ schema: table.schema, name: table.name, columns: table.columns });
    if (transform && transform.columns.length > 0) jobs.push(job(table, transform, await editable(writer, table, transform.columns.map((i) => table.columns[i]!))));
  }
  const begun: pg.ClientBase[] = [];
  const timing = { readMs: 0, writeMs: 0 };
  try {
    await writer.query('BEGIN');
    begun.push(writer);
    // wide UPDATEs and many small plans: JIT would compile for seconds and save nothing
    await writer.query(`SELECT set_config('jit', 'off', true)`);
    await tuneWriter(writer);
    if (reader) {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      begun.push(reader);
      // its snapshot is taken here, before the writer writes anything
      await reader.query(`SELECT set_config('jit', 'off', true)`);
    }
    // the ranges cover the blocks each table has now: the new row versions the UPDATEs append
    // past them are masked already and not read again (one put in the free space of a later range
    // is read again by the writer's own reads and left as it is; the reader's snapshot predates it)
    const units = await unitsOf(writer, jobs, opts.rangePages ?? RANGE_PAGES);
    if (!opts.deferIndexes || !(await isSuperuser(writer))) for (const j of jobs) j.deferred = true;
    let done = 0;
    let writing: Promise<void> = Promise.resolve();
    for (const u of units) {
      if (opts.signal.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
      const r0 = performance.now();
      const staged = await readUnit(reader ?? writer, u, opts.stageChunk ?? STAGE_CHUNK);
      timing.readMs += performance.now() - r0;
      await writing; // one unit staged and written at a time, in order
      const w0 = performance.now();
      writing = writeUnit(writer, u, staged).then(() => {
        timing.writeMs += performance.now() - w0;
        opts.progress?.(++done, units.length, u.job.table.name);
      });
      if (!reader) await writing;
      // a failed write fails the loop at the next `await writing`; never left unhandled meanwhile
      writing.catch(() => undefined);
    }
    await writing;
    await writer.query(`DROP TABLE IF EXISTS ${STAGE}`);
    opts.beforeCommit?.();
    if (reader) await reader.query('ROLLBACK');
    await writer.query('COMMIT');
  } catch (e) {
    await Promise.all(begun.map((c) => c.query('ROLLBACK').catch(() => undefined)));
    throw e;
  }
  const result: InPlaceResult = { written: [], rowsRead: 0, rowsChanged: 0, rowsRemoved: 0, readMs: Math.round(timing.readMs), writeMs: Math.round(timing.writeMs) };
  for (const j of jobs) {
    result.rowsRead += j.counts.read;
    result.rowsChanged += j.counts.changed;
    result.rowsRemoved += j.counts.removed;
    if (j.counts.changed + j.counts.removed > 0) result.written.push({ schema: j.table.schema, name: j.table.name });
  }
  return result;
}

/**
 * The writer's session settings: the staged rows stay in its memory (temp_buffers, taken before
 * the session's first temporary table), and the text it writes back is compressed with lz4 where
 * the server has it (pglz compressed every changed mail body twice: into the stage, then into the
 * table).
 */
async function tuneWriter(client: pg.ClientBase): Promise<void> {
  await client.query(`SELECT set_config('temp_buffers', $1, false)`, [`${STAGE_BUFFERS_MB}MB`]);
  const { rows } = await client.query<{ lz4: boolean }>(`SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`);
  if (rows[0]?.lz4) await client.query(`SELECT set_config('default_toast_compression', 'lz4', true)`);
}

async function isSuperuser(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ on: boolean }>(`SELECT current_setting('is_superuser') = 'on' AS on`);
  return rows[0]?.on === true;
}

/** Of the writer's memory, what holds the staged rows (a range's changed rows: at most 16 MB of heap, and their TOAST). */
const STAGE_BUFFERS_MB = 128;

function job(table: CopyTableInfo, transform: RowTransform, edits: boolean[]): Job {
  const columns = transform.columns.map((i) => table.columns[i]!);
  const target = qualified(table);
  const sets = columns.map((c, i) => {
    const col = `t.${quoteIdent(c)}`;
    const edit = edits[i] ? ` ELSE left(${col}, s.p${i}) || s.v${i} || right(${col}, s.s${i})` : '';
    return `${quoteIdent(c)} = CASE s.o${i} WHEN 'k' THEN ${col} WHEN 'w' THEN s.v${i}${edit} END`;
  });
  return {
    table,
    transform,
    columns,
    edits,
    stage: columns.map((c, i) => `'k'::"char" AS o${i}, ${quoteIdent(c)} AS v${i}, 0 AS p${i}, 0 AS s${i}`).join(', '),
    update: `UPDATE ONLY ${target} t SET ${sets.join(', ')} FROM ${STAGE} s WHERE t.ctid = s.oec_ctid AND NOT s.oec_removed`,
    remove: `DELETE FROM ONLY ${target} t USING ${STAGE} s WHERE t.ctid = s.oec_ctid AND s.oec_removed`,
    counts: { read: 0, changed: 0, removed: 0 },
    deferred: false,
  };
}

/**
 * Which of each table's transform columns take edits: text and varchar (never bpchar, whose
 * padding left() and right() would count), in a UTF-8 database (they count characters there).
 */
async function editable(client: pg.ClientBase, table: CopyTableInfo, columns: readonly string[]): Promise<boolean[]> {
  const { rows } = await client.query<{ name: string; editable: boolean }>(
    `SELECT a.attname AS name, a.atttypid IN ('text'::regtype, 'varchar'::regtype) AND current_setting('server_encoding') = 'UTF8' AS editable
       FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = ANY($2::text[]) AND a.attnum > 0 AND NOT a.attisdropped`,
    [qualified(table), columns],
  );
  const by = new Map(rows.map((r) => [r.name, r.editable]));
  return columns.map((c) => by.get(c) === true);
}

/** Every job's block ranges, the largest tables' first (sizes read in this transaction). */
async function unitsOf(client: pg.ClientBase, jobs: readonly Job[], rangePages: number): Promise<Unit[]> {
  if (jobs.length === 0) return [];
  const { rows } = await client.query<{ pages: string }>(
    `SELECT (pg_relation_size(r::regclass) / current_setting('block_size')::int)::text AS pages FROM unnest($1::text[]) WITH ORDINALITY u(r, n) ORDER BY n`,
    [jobs.map((j) => qualified(j.table))],
  );
  const sized = jobs.map((j, i) => ({ j, pages: Number(rows[i]?.pages ?? 0) })).sort((a, b) => b.pages - a.pages);
  const units: Unit[] = [];
  for (const { j, pages } of sized) {
    const ranges = Math.max(1, Math.ceil(pages / rangePages));
    for (let r = 0; r < ranges; r++) {
      const end = Math.min(pages, (r + 1) * rangePages);
      units.push({ job: j, where: `ctid >= '(${r * rangePages},0)'::tid AND ctid < '(${end},0)'::tid` });
    }
  }
  return units;
}

/** One range read through the transform: the changed and removed rows, as COPY rows of the stage. */
async function readUnit(client: pg.ClientBase, { job: j, where }: Unit, chunkChars: number): Promise<Counts & { rows: Buffer[] }> {
  const list = j.columns.map(quoteIdent).join(', ');
  const range = await readRange(client, `COPY (SELECT ctid, ${list} FROM ONLY ${qualified(j.table)} WHERE ${where}) TO STDOUT`, j, chunkChars);
  j.counts.read += range.read;
  j.counts.changed += range.changed;
  j.counts.removed += range.removed;
  return range;
}

/** The range's changed and removed rows staged, then written by ctid (the writer's transaction). */
async function writeUnit(client: pg.ClientBase, { job: j }: Unit, range: Counts & { rows: Buffer[] }): Promise<void> {
  if (range.changed + range.removed === 0) return;
  if (!j.deferred) {
    await deferIndexes(client, j.table);
    j.deferred = true;
  }
  // the stage takes this table's columns (typed as the table's): made again for each unit written
  await client.query(`DROP TABLE IF EXISTS ${STAGE}`);
  await client.query(`CREATE TEMP TABLE oec_in_place AS SELECT ctid AS oec_ctid, false AS oec_removed, ${j.stage} FROM ONLY ${qualified(j.table)} LIMIT 0`);
  await pipeline(
    async function* () {
      yield* range.rows;
    },
    client.query(copyStreams.from(`COPY ${STAGE} FROM STDIN`)),
  );
  if (range.changed > 0) await client.query(j.update);
  if (range.removed > 0) await client.query(j.remove);
}

/** One range's rows through the transform; the changed and removed ones as COPY rows of the stage. */
async function readRange(client: pg.ClientBase, copy: string, j: Job, chunkChars: number): Promise<Counts & { rows: Buffer[] }> {
  const width = j.columns.length;
  const out: Counts & { rows: Buffer[] } = { read: 0, changed: 0, removed: 0, rows: [] };
  const chunk = new StageChunks(out.rows, chunkChars);
  const splitter = new RowSplitter();
  const onRow = (row: Buffer): void => {
    out.read++;
    const [ctid = null, ...values] = decodeRow(row);
    if (values.length !== width) throw new Error(`COPY row has ${values.length} fields, expected ${width}`);
    // a transform may rewrite the array it is given: it gets a copy, `values` stay as read
    const mapped = j.transform.map([...values]);
    if (mapped === null) {
      out.removed++;
      chunk.add(encodeRow([ctid, 't', ...values.flatMap(() => KEEP)]));
      return;
    }
    const staged: Array<string | null> = [ctid, 'f'];
    let changed = false;
    values.forEach((before, i) => {
      const after = mapped[i] ?? null;
      if (after === before) {
        staged.push(...KEEP);
        return;
      }
      changed = true;
      if (j.edits[i] && before !== null && after !== null) staged.push(...edit(before, after));
      else staged.push('w', after, null, null);
    });
    if (!changed) return;
    out.changed++;
    chunk.add(encodeRow(staged));
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
  chunk.flush();
  return out;
}

/**
 * The staged COPY rows gathered into chunks of about `chars` characters: one socket write and one
 * CopyData message per chunk, where one per row cost a system call (and a wake-up of the server)
 * for each of a large table's changed rows (8.4 s of this process's time on `large`).
 */
class StageChunks {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly into: Buffer[],
    private readonly chars: number,
  ) {}

  add(row: string): void {
    this.parts.push(row);
    this.size += row.length;
    if (this.size >= this.chars) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.into.push(Buffer.from(this.parts.join(''), 'utf8'));
    this.parts = [];
    this.size = 0;
  }
}

/** A column the row keeps as it is (the stage's op, value, prefix, suffix). */
const KEEP: ReadonlyArray<string | null> = ['k', null, null, null];

/**
 * A changed text value as an edit of the one stored: the characters it keeps at its start and end
 * and what goes between (`left(old, p) || middle || right(old, s)`), so that a long mail body with
 * one address replaced sends the stage the address, not the body. Counts are of characters (code
 * points, as PostgreSQL counts in UTF-8), never splitting a surrogate pair.
 */
export function edit(before: string, after: string): [op: string, middle: string, prefix: string, suffix: string] {
  const most = Math.min(before.length, after.length);
  let p = sameFrom(before, after, 0, 0, most, 1);
  if (p > 0 && isHigh(before.charCodeAt(p - 1))) p--;
  let s = sameFrom(before, after, before.length - 1, after.length - 1, most - p, -1);
  if (s > 0 && isLow(before.charCodeAt(before.length - s))) s--;
  const middle = after.slice(p, after.length - s);
  // counted on the stored value as a whole: a regular expression over a slice copies the slice
  if (!SURROGATE.test(before)) return ['e', middle, String(p), String(s)];
  return ['e', middle, String(codePoints(before, 0, p)), String(codePoints(before, before.length - s, before.length))];
}

/** Code units compared at once by sameFrom (one native comparison of two slices). */
const SAME_BLOCK = 256;

/**
 * How many code units `a` and `b` share from `i` and `j` on, stepping `dir` (1 forwards, -1
 * backwards), at most `most`: whole blocks compared as slices first (a mail body's thousands of
 * characters before and after an address cost a few comparisons, not one loop turn each), then
 * the block that differs one code unit at a time.
 */
function sameFrom(a: string, b: string, i: number, j: number, most: number, dir: 1 | -1): number {
  let n = 0;
  while (n + SAME_BLOCK <= most) {
    const x = dir === 1 ? a.slice(i + n, i + n + SAME_BLOCK) : a.slice(i - n - SAME_BLOCK + 1, i - n + 1);
    const y = dir === 1 ? b.slice(j + n, j + n + SAME_BLOCK) : b.slice(j - n - SAME_BLOCK + 1, j - n + 1);
    if (x !== y) break;
    n += SAME_BLOCK;
  }
  while (n < most && a.charCodeAt(i + dir * n) === b.charCodeAt(j + dir * n)) n++;
  return n;
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
const SURROGATE = /[\uD800-\uDFFF]/;

/** Code points in `v` from `start` to `end` (UTF-16 indexes on pair boundaries). */
function codePoints(v: string, start: number, end: number): number {
  const part = v.slice(start, end);
  if (!SURROGATE.test(part)) return part.length;
  let n = 0;
  for (let i = 0; i < part.length; i++) if (!isLow(part.charCodeAt(i))) n++;
  return n;
}
