// backing_up_database + restoring_database. A stopped source on the same server is copied with
// CREATE DATABASE … TEMPLATE (a file-level copy, no dump at all). A running source is dumped with
// a lock wait timeout (never queue behind an exclusive lock and stall production), niced, and
// streamed straight into pg_restore as the target's role: no dump file ever touches the disk.
// Uncompressed on the wire, since both ends share the machine; ANALYZE afterwards.
import type { ClonePlan } from '@oec/shared';
import { pgDumpArgv, pgRestoreArgv } from '../commands/index.js';
import { pipe, type ExecHandle } from '../exec/run.js';
import type { TaskContext } from '../tasks/types.js';
import { asStepError, NO_HOOKS, workRef, type CloneHooks } from './context.js';
import { createPacer } from './transfer/pace.js';
import { tableCount, tableDataBytes } from './queries.js';

export interface DatabaseCopy {
  method: 'template' | 'stream';
  bytes: number;
  tables: number;
}

export const LOCK_WAIT_TIMEOUT_MS = 60_000;

/**
 * The restore session of a brand-new database nobody else sees: memory for index builds, parallel
 * index workers, and no wait for WAL flush per commit (a crash mid-restore fails the clone anyway).
 */
export const RESTORE_SETTINGS = {
  maintenance_work_mem: '512MB',
  max_parallel_maintenance_workers: '2',
  synchronous_commit: 'off',
};

/**
 * pg_restore into the work database as the target's role, reading the archive from stdin, with
 * the restore session settings; progress counts the tables whose data it has processed.
 */
export function startRestore(plan: ClonePlan, ctx: TaskContext, signal: AbortSignal, tables: () => number): ExecHandle {
  let restored = 0;
  return ctx.runtime.exec(pgRestoreArgv({ db: plan.work_db, role: plan.target.db_name, verbose: true }), {
    signal,
    environment: workRef(plan),
    stdin: 'pipe',
    stdout: 'ignore',
    pgOptions: RESTORE_SETTINGS,
    onStderrLine: (line) => {
      if (!line.includes('processing data for table')) return;
      restored++;
      const total = tables();
      ctx.progress(Math.min(0.95, restored / Math.max(1, total)), { items_done: restored, items_total: total }, 'restoring_database');
    },
  });
}

/** `snapshot`: exported by the session that holds a running source consistent with its files. */
export async function copyDatabase(plan: ClonePlan, ctx: TaskContext, snapshot: string | null, hooks: CloneHooks = NO_HOOKS): Promise<DatabaseCopy> {
  const { runtime } = ctx;
  if (plan.source.status === 'STOPPED') {
    ctx.log('INFO', 'Source is stopped: copying its database file by file (template copy)', 'backing_up_database');
    await runtime.dropDatabase(plan.work_db);
    await runtime
      .createDatabase(plan.work_db, plan.target, { template: { db_name: plan.source.db_name, role: plan.source.db_name } })
      .catch((e: unknown) => {
        throw asStepError('restoring_database', e);
      });
    const facts = await runtime.withDatabase(plan.work_db, async (c) => ({ tables: await tableCount(c), bytes: await tableDataBytes(c) }));
    ctx.progress(1, { bytes_done: facts.bytes, bytes_total: facts.bytes }, 'backing_up_database');
    ctx.progress(1, { items_done: facts.tables, items_total: facts.tables }, 'restoring_database');
    return { method: 'template', ...facts };
  }

  const source = await runtime.withDatabase(plan.source.db_name, async (c) => ({
    tables: await tableCount(c),
    bytes: await tableDataBytes(c),
  }));
  const dumpOptions = { db: plan.source.db_name, format: 'custom' as const, lockWaitTimeoutMs: LOCK_WAIT_TIMEOUT_MS, compress: plan.compress ? 1 : 0 };
  const dump = runtime.exec(pgDumpArgv({ ...dumpOptions, ...(snapshot ? { snapshot } : {}) }), {
    signal: ctx.signal,
    environment: plan.source,
    stdout: 'pipe',
    nice: 10,
  });
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
