// The COPY data path on one server: the source's rows, through the row transform, straight into
// the work database (no dump anywhere), then ANALYZE as on the dump path, table by table on
// `jobs` sessions.
import type { ClonePlan } from '@oec/shared';
import type { TaskContext } from '../../tasks/types.js';
import { asStepError } from '../context.js';
import type { Pacer } from '../pace.js';
import type { RowTransformFactory } from './codec.js';
import { analyzeTables, workDatabaseSink } from './sink.js';
import { copyTuning, type CopyTuning } from './tuning.js';
import { copyFromSource, type CopyResult } from './source.js';

export interface CopyDatabaseOptions {
  /** The masking hook (null: raw pass-through of every table); a promise is awaited before the first table. */
  transform?: RowTransformFactory | null | Promise<RowTransformFactory | null>;
  /** Streams at once and table splitting (default: this machine's, tuning.ts). */
  tuning?: CopyTuning;
  pacer?: Pacer;
}

/**
 * Copy `plan.source` into a fresh `plan.work_db` by COPY. `snapshot`: the one exported by the
 * session that holds a running source consistent with its files, or null (one is exported here).
 */
export async function copyDatabaseByCopy(plan: ClonePlan, ctx: TaskContext, snapshot: string | null, opts: CopyDatabaseOptions = {}): Promise<CopyResult> {
  try {
    await ctx.runtime.dropDatabase(plan.work_db);
    await ctx.runtime.createDatabase(plan.work_db, plan.target, {});
  } catch (e) {
    throw asStepError('restoring_database', e);
  }
  const tuning = opts.tuning ?? copyTuning();
  const sink = workDatabaseSink(plan, ctx, ctx.signal, tuning);
  let result: CopyResult;
  try {
    result = await copyFromSource(
      plan.source,
      ctx,
      {
        snapshot,
        transform: opts.transform ?? null,
        jobs: tuning.jobs,
        splitBytes: tuning.splitBytes,
        bufferBytes: tuning.bufferBytes,
        ...(opts.pacer ? { pacer: opts.pacer } : {}),
        signal: ctx.signal,
        onBytes: (done, total) => ctx.progress(Math.min(0.99, done / Math.max(1, total)), { bytes_done: done, bytes_total: Math.max(done, total) }, 'backing_up_database'),
      },
      sink,
    );
  } catch (e) {
    const which = e instanceof Error && /pg_dump|COPY .* TO STDOUT/.test(e.message) ? 'backing_up_database' : 'restoring_database';
    throw asStepError(which, e);
  }
  ctx.progress(1, { bytes_done: result.bytes, bytes_total: result.bytes }, 'backing_up_database');
  await analyzeTables(plan, ctx, tuning.jobs);
  ctx.progress(1, { items_done: result.tables, items_total: result.tables }, 'restoring_database');
  ctx.log(
    'INFO',
    `Database copied table by table by ${tuning.jobs} streams: ${result.tables} tables (${result.split_tables} split into ${result.parts} block ranges), ${result.rows} rows, ${result.bytes} bytes of COPY text (${result.transformed} transformed), ${result.sequences} sequences`,
    'restoring_database',
  );
  return result;
}
