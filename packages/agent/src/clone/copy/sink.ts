// The target side of the COPY data path: the work database of the plan, on the server that runs
// it (the same server, or the receiver of a cross-server transfer). Sections are restored by
// pg_restore as the target's role (single job, from a pipe: the archive is schema only, and index
// builds already use parallel maintenance workers); each table is TRUNCATEd and loaded with
// COPY … FROM STDIN (FREEZE) in one transaction, so a retried load starts clean and the rows need
// no later hint-bit rewrite; sequences are set with setval.
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import type { ClonePlan } from '@oec/shared';
import { pgRestoreArgv } from '../../commands/index.js';
import { ExecError, stdinSink } from '../../exec/run.js';
import type { TaskContext } from '../../tasks/types.js';
import { workRef } from '../context.js';
import { RESTORE_SETTINGS } from '../dump-restore.js';
import { qualified, type CopyTableInfo, type SequenceValue } from './catalog.js';
import { columnList, type CopySink, type Section } from './source.js';

export interface WorkDatabaseSink extends CopySink {
  /** Tables loaded so far. */
  readonly loaded: number;
}

/** Writes into `plan.work_db` (created and empty); reports tables done under restoring_database. */
export function workDatabaseSink(plan: ClonePlan, ctx: TaskContext, signal: AbortSignal): WorkDatabaseSink {
  let total = 0;
  let loaded = 0;
  return {
    get loaded() {
      return loaded;
    },
    begin(tables) {
      total = tables.length;
      ctx.progress(0, { items_done: 0, items_total: total }, 'restoring_database');
    },
    async section(section: Section, archive: Readable) {
      const restore = ctx.runtime.exec(pgRestoreArgv({ db: plan.work_db, role: plan.target.db_name }), {
        signal,
        environment: workRef(plan),
        stdin: 'pipe',
        stdout: 'ignore',
        pgOptions: RESTORE_SETTINGS,
      });
      if (!restore.stdin) throw new Error('pg_restore has no stdin');
      const failure: { error: Error | null } = { error: null };
      await pipeline(archive, stdinSink(restore.stdin)).catch((e: unknown) => {
        failure.error = e instanceof Error ? e : new Error(String(e));
        restore.kill();
      });
      const exit = await restore.exit;
      if (exit.code !== 0 || exit.aborted || exit.error) throw new ExecError(`pg_restore (${section})`, exit);
      if (failure.error) throw failure.error;
    },
    async table(table: CopyTableInfo, rows: Readable) {
      const n = await ctx.runtime.withDatabase(plan.work_db, async (client) => {
        let clean = false;
        try {
          await client.query('BEGIN');
          await client.query("SELECT set_config('synchronous_commit', 'off', true)");
          await client.query(`TRUNCATE ONLY ${qualified(table)}`);
          const copy = client.query(copyStreams.from(`COPY ${qualified(table)}${columnList(table)} FROM STDIN WITH (FREEZE)`));
          await pipeline(rows, copy);
          await client.query('COMMIT');
          clean = true;
          return copy.rowCount;
        } finally {
          if (!clean) rows.destroy();
        }
      });
      loaded++;
      ctx.progress(Math.min(0.95, loaded / Math.max(1, total)), { items_done: loaded, items_total: total }, 'restoring_database');
      return n;
    },
    async sequences(values: readonly SequenceValue[]) {
      if (values.length === 0) return;
      await ctx.runtime.withDatabase(plan.work_db, async (client) => {
        for (const s of values) {
          await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [qualified(s), s.last_value, s.is_called]);
        }
      });
    },
  };
}
