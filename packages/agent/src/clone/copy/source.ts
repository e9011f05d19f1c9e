// The source side of the COPY data path, the same on one server and across two: inside one
// snapshot, the schema without indexes and constraints (pg_dump --section=pre-data), every table's
// rows (COPY … TO STDOUT, through the row transform when the factory gives one), the sequences'
// values, then indexes, constraints, triggers and materialized view refreshes (--section=post-data).
// Each goes to a CopySink: the work database on this server (sink.ts), or the frames of the
// transfer's database stream (frames.ts). The source is only read: sessions are READ ONLY, wait
// for a lock at most LOCK_WAIT_TIMEOUT_MS, and pg_dump runs niced as on the dump path.
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { EnvironmentRef } from '@oec/shared';
import { pgDumpArgv } from '../../commands/index.js';
import { ExecError, type ExecHandle } from '../../exec/run.js';
import type { TaskContext } from '../../tasks/types.js';
import { LOCK_WAIT_TIMEOUT_MS } from '../dump-restore.js';
import type { Pacer } from '../pace.js';
import { lockTables, quoteIdent, qualified, readCatalog, refuseUncarried, type CopyTableInfo, type SequenceValue } from './catalog.js';
import { DEFAULT_STREAM_BUFFER, rowTransformStream, type RowTransform, type RowTransformFactory } from './codec.js';

export type Section = 'pre-data' | 'post-data';

/** Where the source side's output goes, in this order: pre-data, tables, sequences, post-data. */
export interface CopySink {
  /** A schema-only custom-format archive of one section, to be restored. */
  section(section: Section, archive: Readable): Promise<void>;
  /** Announced once the catalog is read: what `table` will be called with (for progress). */
  begin?(tables: readonly CopyTableInfo[]): Promise<void> | void;
  /**
   * One table's rows as COPY text, or one block range of them (`table.part`: the other parts
   * load into the same table at the same time); resolves with the rows written. May run `jobs`
   * at a time.
   */
  table(table: CopyTableInfo, rows: Readable): Promise<number>;
  sequences(values: readonly SequenceValue[]): Promise<void>;
}

export interface CopySourceOptions {
  /** Exported by the session that holds a running source consistent with its files; null: export one here. */
  snapshot: string | null;
  /**
   * The masking hook; null or absent: every table's rows pass as raw bytes. A promise is awaited
   * only before the first table, so that its preparation overlaps the schema's restore.
   */
  transform?: RowTransformFactory | null | Promise<RowTransformFactory | null>;
  /** Tables (or parts of one) copied at once, each a source session and a target session. */
  jobs?: number;
  /** A table larger than this is copied in block ranges of about this size (default: never). */
  splitBytes?: number;
  /** Each buffering stage's highWaterMark in one stream (default 1 MB; the agent's budget: tuning.ts). */
  bufferBytes?: number;
  pacer?: Pacer;
  signal: AbortSignal;
  /** Bytes of COPY text read from the source so far, and the catalog's table bytes. */
  onBytes?: (done: number, total: number) => void;
}

export interface CopyResult {
  tables: number;
  rows: number;
  /** COPY text bytes read from the source (before any transform). */
  bytes: number;
  /** Tables whose rows went through a transform. */
  transformed: number;
  /** Tables copied in block ranges, and their parts. */
  split_tables: number;
  parts: number;
  sequences: number;
}

const SNAPSHOT_RE = /^[0-9A-F]+-[0-9A-F]+-[0-9]+$/;

/** ` (a, b)`: the copied columns; empty for a table without columns (a list may not be empty). */
export function columnList(table: CopyTableInfo): string {
  return table.columns.length ? ` (${table.columns.map(quoteIdent).join(', ')})` : '';
}

/** A read-only transaction on the source in `snapshot` (null: a snapshot of this moment). */
export async function beginInSnapshot(client: pg.ClientBase, snapshot: string | null): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  if (snapshot) {
    if (!SNAPSHOT_RE.test(snapshot)) throw new Error(`invalid snapshot id ${JSON.stringify(snapshot)}`);
    await client.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
  }
}

/** Settings of every source session: bounded lock waits, no statement cut mid-COPY. */
async function sourceTransaction(client: pg.ClientBase, snapshot: string | null): Promise<void> {
  await beginInSnapshot(client, snapshot);
  await client.query(`SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', '0', true)`, [`${LOCK_WAIT_TIMEOUT_MS}ms`]);
}

export async function copyFromSource(source: EnvironmentRef, ctx: TaskContext, opts: CopySourceOptions, sink: CopySink): Promise<CopyResult> {
  // The catalog session imports the snapshot (or exports it, for a source nobody holds) and keeps
  // every copied table in ACCESS SHARE until the end, as pg_dump does.
  return ctx.runtime.withDatabase(source.db_name, async (meta) => {
    try {
      await sourceTransaction(meta, opts.snapshot);
      const snapshot = opts.snapshot ?? (await meta.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
      await refuseUncarried(meta);
      const catalog = await readCatalog(meta);
      await lockTables(meta, catalog.tables);
      const units = copyUnits(catalog.tables, opts.jobs ?? DEFAULT_JOBS, opts.splitBytes ?? Infinity);
      await sink.begin?.(units);
      const t0 = performance.now();
      await dumpSection(ctx, source, snapshot, 'pre-data', sink, opts.signal);
      const t1 = performance.now();
      const transform = await opts.transform;
      const result = await copyTables(ctx, source, snapshot, units, { ...opts, transform }, sink);
      await sink.sequences(catalog.sequences);
      const t2 = performance.now();
      await dumpSection(ctx, source, snapshot, 'post-data', sink, opts.signal);
      const t3 = performance.now();
      const s = (a: number, b: number): string => `${((b - a) / 1000).toFixed(1)} s`;
      ctx.log('INFO', `COPY path timings: schema ${s(t0, t1)}, rows ${s(t1, t2)}, indexes and constraints ${s(t2, t3)}`, 'restoring_database');
      return { ...result, sequences: catalog.sequences.length };
    } finally {
      await meta.query('ROLLBACK').catch(() => undefined);
    }
  });
}

async function dumpSection(ctx: TaskContext, source: EnvironmentRef, snapshot: string, section: Section, sink: CopySink, signal: AbortSignal): Promise<void> {
  const argv = pgDumpArgv({ db: source.db_name, format: 'custom', lockWaitTimeoutMs: LOCK_WAIT_TIMEOUT_MS, compress: 0, snapshot, section });
  const dump = ctx.runtime.exec(argv, { signal, environment: source, stdout: 'pipe', nice: 10 });
  await feed(dump, (out) => sink.section(section, out));
}

/** Hand a process's stdout to `consume`; both the consumer and the process must succeed. */
export async function feed(producer: ExecHandle, consume: (out: Readable) => Promise<void>): Promise<void> {
  if (!producer.stdout) throw new Error(`${producer.name} has no stdout`);
  try {
    await consume(producer.stdout);
  } catch (e) {
    producer.kill();
    const exit = await producer.exit;
    if (exit.code !== 0 && !exit.aborted && !exit.signal) throw new ExecError(producer.name, exit);
    throw e;
  }
  const exit = await producer.exit;
  if (exit.code !== 0 || exit.aborted || exit.error) throw new ExecError(producer.name, exit);
}

const DEFAULT_JOBS = 2;

/**
 * What the workers copy, largest first: each table, or for a table larger than `splitBytes` (with
 * more than one worker) its main fork's blocks in ranges of about that size, at most two per
 * worker; the last range is open-ended (rows the snapshot sees are in blocks that existed then).
 */
export function copyUnits(tables: readonly CopyTableInfo[], jobs: number, splitBytes: number): CopyTableInfo[] {
  const units: CopyTableInfo[] = [];
  for (const t of tables) {
    const pages = t.pages ?? 0;
    const of = jobs > 1 && t.bytes > splitBytes ? Math.min(jobs * 2, Math.ceil(t.bytes / splitBytes), pages) : 1;
    if (of <= 1) {
      units.push(t);
      continue;
    }
    const at = (k: number): number => Math.floor((k * pages) / of);
    for (let k = 0; k < of; k++) units.push({ ...t, bytes: Math.round(t.bytes / of), part: { index: k, of, first: at(k), end: k === of - 1 ? null : at(k + 1) } });
  }
  return units.sort((x, y) => y.bytes - x.bytes);
}

/** The COPY … TO STDOUT of a unit: the whole table, or the block range of one part. */
export function copyToSql(t: CopyTableInfo): string {
  if (!t.part) return `COPY ${qualified(t)}${columnList(t)} TO STDOUT`;
  const { first, end } = t.part;
  if (!Number.isSafeInteger(first) || (end !== null && !Number.isSafeInteger(end))) throw new Error(`invalid block range of ${qualified(t)}`);
  const range = `ctid >= '(${first},0)'::tid${end === null ? '' : ` AND ctid < '(${end},0)'::tid`}`;
  return `COPY (SELECT ${t.columns.map(quoteIdent).join(', ')} FROM ONLY ${qualified(t)} WHERE ${range}) TO STDOUT`;
}

async function copyTables(
  ctx: TaskContext,
  source: EnvironmentRef,
  snapshot: string,
  units: readonly CopyTableInfo[],
  opts: CopySourceOptions & { transform: RowTransformFactory | null | undefined },
  sink: CopySink,
): Promise<Omit<CopyResult, 'sequences'>> {
  const total = units.reduce((n, t) => n + t.bytes, 0);
  const out = { tables: 0, rows: 0, bytes: 0, transformed: 0, split_tables: 0, parts: 0 };
  const queue = [...units];
  const state: { failed: Error | null } = { failed: null };
  // One transform per table, shared by its parts (its counts and state are the table's).
  const transforms = new Map<string, Promise<RowTransform | null>>();
  const transformOf = (t: CopyTableInfo): Promise<RowTransform | null> => {
    const key = qualified(t);
    let p = transforms.get(key);
    if (!p) transforms.set(key, (p = Promise.resolve(opts.transform?.({ schema: t.schema, name: t.name, columns: [...t.columns] }) ?? null)));
    return p;
  };
  const worker = async (): Promise<void> => {
    for (let t = queue.shift(); t && !state.failed; t = queue.shift()) {
      try {
        const r = await copyTable(ctx, source, snapshot, t, await transformOf(t), opts, sink, (n) => {
          out.bytes += n;
          opts.onBytes?.(out.bytes, total);
        });
        if (!t.part || t.part.index === 0) out.tables++;
        if (t.part) out.parts++;
        if (t.part?.index === 0) out.split_tables++;
        out.rows += r.rows;
        if (r.transformed && (!t.part || t.part.index === 0)) out.transformed++;
      } catch (e) {
        state.failed ??= e instanceof Error ? e : new Error(String(e));
      }
    }
  };
  const jobs = Math.max(1, Math.min(opts.jobs ?? DEFAULT_JOBS, units.length || 1));
  await Promise.all(Array.from({ length: jobs }, worker));
  if (state.failed) throw state.failed;
  return out;
}

async function copyTable(
  ctx: TaskContext,
  source: EnvironmentRef,
  snapshot: string,
  table: CopyTableInfo,
  rowTransform: RowTransform | null,
  opts: CopySourceOptions,
  sink: CopySink,
  onBytes: (n: number) => void,
): Promise<{ rows: number; transformed: boolean }> {
  opts.signal.throwIfAborted();
  const transform = rowTransformStream(rowTransform, table.columns.length, opts.bufferBytes);
  return ctx.runtime.withDatabase(source.db_name, async (client) => {
    // A session that failed mid-COPY is not reused: withDatabase closes it.
    let clean = false;
    try {
      await sourceTransaction(client, snapshot);
      await ctx.runtime.lowerSessionPriority?.(client);
      const copy = client.query(copyStreams.to(copyToSql(table)));
      const counter = new Transform({
        transform(chunk: Buffer, _e, done) {
          onBytes(chunk.length);
          if (!opts.pacer) return done(null, chunk);
          opts.pacer.wait(chunk.length, opts.signal).then(() => done(null, chunk), done);
        },
      });
      const rows = new PassThrough({ highWaterMark: opts.bufferBytes ?? DEFAULT_STREAM_BUFFER });
      const stages: NodeJS.ReadWriteStream[] = transform ? [counter, transform] : [counter];
      const abort = () => copy.destroy(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
      opts.signal.addEventListener('abort', abort, { once: true });
      let written = 0;
      try {
        const piping = pipeline(copy, ...(stages as [Transform]), rows);
        const consuming = sink.table(table, rows).catch((e: unknown) => {
          copy.destroy(e instanceof Error ? e : new Error(String(e)));
          throw e;
        });
        const [, n] = await Promise.all([piping, consuming]);
        written = n;
      } finally {
        opts.signal.removeEventListener('abort', abort);
      }
      clean = true;
      return { rows: written, transformed: transform !== null };
    } finally {
      if (clean) await client.query('ROLLBACK').catch(() => undefined);
    }
  });
}
