// backing_up_database + restoring_database. A stopped source on the same server is copied with
// CREATE DATABASE … TEMPLATE (a file-level copy, no dump at all). A running source is dumped with
// a lock wait timeout (never queue behind an exclusive lock and stall production), niced, and
// streamed straight into pg_restore as the target's role: no dump file ever touches the disk.
// Uncompressed unless the plan sets `compress` (then level 1): both ends share the machine. ANALYZE
// afterwards. The dump and restore processes are ../dump-restore.ts's, shared with transfer/.
import type { ClonePlan, StreamMasking } from '@oec/shared';
import { pipe } from '../../exec/run.js';
import type { TaskContext } from '../../tasks/types.js';
import { asStepError, holdPoint, NO_HOOKS, type CloneHooks } from '../context.js';
import { copyDatabaseByCopy, copyTuning, planTransform, type CopyTuning } from '../copy/index.js';
import { startDump, startRestore } from '../dump-restore.js';
import { createPacer } from '../pace.js';
import { tableFacts } from '../sql.js';

export interface DatabaseCopy {
  method: 'template' | 'stream' | 'copy' | 'cow';
  bytes: number;
  tables: number;
  /** COPY path: what the stream masked, for the sanitizing step. */
  inStream?: StreamMasking;
}

/** `snapshot`: exported by the session that holds a running source consistent with its files. */
export async function copyDatabase(
  plan: ClonePlan,
  ctx: TaskContext,
  snapshot: string | null,
  hooks: CloneHooks = NO_HOOKS,
  tuning: CopyTuning = copyTuning(),
): Promise<DatabaseCopy> {
  const { runtime } = ctx;
  if (plan.data_path === 'cow') return cloneCopyOnWrite(plan, ctx, hooks);
  if (plan.data_path === 'copy') {
    // Every row through the row transform, stopped source or not (a template copy would carry
    // the rows as they are); the snapshot is exported here when no session holds one.
    ctx.log('INFO', 'Copying the database table by table (COPY data path)', 'backing_up_database');
    // The masking is prepared (the source's values read) while the work database is created and
    // the schema restored; the first table waits for it.
    const preparing = planTransform(plan, ctx, snapshot, tuning);
    const factory = preparing.then(
      (m) => m.factory,
      (e: unknown) => {
        throw asStepError('backing_up_database', e);
      },
    );
    factory.catch(() => undefined); // awaited by the copy, or settled below when the copy fails first
    let copied;
    try {
      copied = await copyDatabaseByCopy(plan, ctx, snapshot, { transform: factory, pacer: createPacer(hooks().transferBytesPerSecond), tuning });
    } catch (e) {
      await preparing.catch(() => undefined); // no capture session outlives the step
      throw e;
    }
    const inStream = (await preparing).finish();
    return { method: 'copy', bytes: copied.bytes, tables: copied.tables, ...(inStream ? { inStream } : {}) };
  }
  if (plan.source.status === 'STOPPED') {
    ctx.log('INFO', 'Source is stopped: copying its database file by file (template copy)', 'backing_up_database');
    await runtime.dropDatabase(plan.work_db);
    await runtime
      .createDatabase(plan.work_db, plan.target, { template: { db_name: plan.source.db_name, role: plan.source.db_name } })
      .catch((e: unknown) => {
        throw asStepError('restoring_database', e);
      });
    const facts = await runtime.withDatabase(plan.work_db, tableFacts);
    ctx.progress(1, { bytes_done: facts.bytes, bytes_total: facts.bytes }, 'backing_up_database');
    ctx.progress(1, { items_done: facts.tables, items_total: facts.tables }, 'restoring_database');
    return { method: 'template', ...facts };
  }

  const source = await runtime.withDatabase(plan.source.db_name, tableFacts);
  const dump = startDump(ctx, plan.source, { snapshot, compress: plan.compress ? 1 : 0, signal: ctx.signal });
  const restore = startRestore(plan, ctx, ctx.signal, () => source.tables);
  const pacer = createPacer(hooks().transferBytesPerSecond);
  let result;
  try {
    result = await pipe(dump, restore, {
      pace: (bytes) => pacer.wait(bytes, ctx.signal),
      onBytes: (bytes) =>
        ctx.progress(Math.min(0.99, bytes / Math.max(1, source.bytes)), { bytes_done: bytes, bytes_total: source.bytes }, 'backing_up_database'),
    });
  } catch (e) {
    const which = e instanceof Error && e.message.startsWith('pg_dump') ? 'backing_up_database' : 'restoring_database';
    throw asStepError(which, e);
  }
  ctx.progress(1, { bytes_done: result.bytes, bytes_total: result.bytes }, 'backing_up_database');
  ctx.log('INFO', `Database streamed: ${result.bytes} bytes dumped into the restore`, 'backing_up_database');
  await runtime.withDatabase(plan.work_db, (c) => c.query('ANALYZE'));
  ctx.progress(1, { items_done: source.tables, items_total: source.tables }, 'restoring_database');
  return { method: 'stream', bytes: result.bytes, tables: source.tables };
}

/**
 * Copy-on-write (decision 0020): the runtime snapshots the source's running cluster with the backup
 * API, clones its files (reflink) and starts the copy as the target's cluster (a replace: as a
 * second cluster beside it, swapped in by verifying); no byte of the database is read or written.
 * The sanitizing step masks it in SQL and rewrites what it masked.
 */
async function cloneCopyOnWrite(plan: ClonePlan, ctx: TaskContext, hooks: CloneHooks): Promise<DatabaseCopy> {
  const { runtime } = ctx;
  if (!runtime.cloneCluster) throw asStepError('backing_up_database', new Error('this server cannot clone a cluster copy-on-write'));
  // A replace's copy is a second cluster beside the target's, which serves its old data until the swap.
  const beside = plan.mode === 'replace';
  ctx.log(
    'INFO',
    `Copy-on-write: snapshot of the running source cluster (backup API + reflink)${beside ? ` into a second cluster beside ${plan.target.name}'s, which keeps serving` : ''}, no data copied`,
    'backing_up_database',
  );
  let clone;
  try {
    clone = await runtime.cloneCluster(plan.source, plan.target, plan.work_db, ctx.signal, { beside });
  } catch (e) {
    throw asStepError('backing_up_database', e);
  }
  // the copy stands, started, not sanitized yet: where the suites cancel and kill
  await holdPoint(ctx, hooks, plan, 'restoring_database');
  const t = clone.timings;
  const ms = (k: string) => `${Math.round(t[k] ?? 0)} ms`;
  ctx.progress(1, { bytes_done: clone.bytes, bytes_total: clone.bytes }, 'backing_up_database');
  ctx.progress(1, { items_done: clone.tables, items_total: clone.tables }, 'restoring_database');
  ctx.log(
    'INFO',
    `Copy-on-write snapshot of ${clone.bytes} bytes: backup start ${ms('backup_start_ms')}, reflink copy ${ms('reflink_copy_ms')}, ` +
      `backup stop ${ms('backup_stop_ms')}, WAL ${ms('wal_ms')}, start with recovery ${ms('recovery_ms')}, target identity ${ms('identity_ms')}`,
    'restoring_database',
  );
  return { method: 'cow', bytes: clone.bytes, tables: clone.tables };
}
