// The pg_dump and pg_restore processes of a clone, alike on one server (steps/database.ts: dump
// piped into restore) and across two (transfer/send.ts dumps, transfer/receive.ts restores).
import type { ClonePlan, EnvironmentRef } from '@oec/shared';
import { pgDumpArgv, pgRestoreArgv } from '../commands/index.js';
import type { ExecHandle } from '../exec/run.js';
import type { TaskContext } from '../tasks/types.js';
import { workRef } from './context.js';

/** pg_dump waits this long for a table lock, never longer (production must not stall behind it). */
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
 * pg_dump of the source in custom format to stdout, niced, with the lock wait timeout; `snapshot`
 * is the one exported by the session that holds a running source consistent with its files.
 */
export function startDump(
  ctx: TaskContext,
  source: EnvironmentRef,
  opts: { snapshot: string | null; compress: number; signal: AbortSignal },
): ExecHandle {
  const argv = pgDumpArgv({
    db: source.db_name,
    format: 'custom',
    lockWaitTimeoutMs: LOCK_WAIT_TIMEOUT_MS,
    compress: opts.compress,
    ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
  });
  return ctx.runtime.exec(argv, { signal: opts.signal, environment: source, stdout: 'pipe', nice: 10 });
}

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
