// The target side of the COPY data path: the work database of the plan, on the server that runs
// it (the same server, or the receiver of a cross-server transfer). The pre-data section is
// restored by pg_restore as the target's role from a pipe; the post-data section (indexes,
// constraints, …) by `jobs` sessions at once (post-data.ts). Each whole table is TRUNCATEd and
// loaded with COPY … FROM STDIN (FREEZE) in one transaction, so a retried load starts clean and
// the rows need no later hint-bit rewrite; the parts of a split table load side by side into the
// fresh, empty table with plain COPY (FREEZE needs the table to itself). Sequences are set with
// setval; ANALYZE runs table by table on `jobs` sessions (analyzeTables).
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import { AppError, type ClonePlan } from '@oec/shared';
import { pgRestoreArgv, pgRestoreScriptArgv } from '../../commands/index.js';
import { ExecError, stdinSink, type ExecHandle } from '../../exec/run.js';
import type { TaskContext } from '../../tasks/types.js';
import { workRef } from '../context.js';
import { RESTORE_SETTINGS } from '../dump-restore.js';
import { qualified, type CopyTableInfo, type SequenceValue } from './catalog.js';
import { parsePostDataScript, runPostData } from './post-data.js';
import type { CopyTuning } from './tuning.js';
import { columnList, type CopySink, type Section } from './source.js';

export interface WorkDatabaseSink extends CopySink {
  /** Tables loaded so far. */
  readonly loaded: number;
}

/** Writes into `plan.work_db` (created and empty); reports tables done under restoring_database. */
export function workDatabaseSink(plan: ClonePlan, ctx: TaskContext, signal: AbortSignal, tuning: Pick<CopyTuning, 'jobs'> = { jobs: 1 }): WorkDatabaseSink {
  let total = 0;
  let loaded = 0;
  const sizes = new Map<string, number>();
  return {
    get loaded() {
      return loaded;
    },
    begin(tables) {
      total = tables.length;
      for (const t of tables) sizes.set(`${t.schema}.${t.name}`, (sizes.get(`${t.schema}.${t.name}`) ?? 0) + t.bytes);
      ctx.progress(0, { items_done: 0, items_total: total }, 'restoring_database');
    },
    async section(section: Section, archive: Readable) {
      if (section === 'post-data' && tuning.jobs > 1) {
        const script = parsePostDataScript(await restoreScript(plan, ctx, archive, signal));
        const run = await restoring('indexes and constraints', () => runPostData(script, {
          jobs: tuning.jobs,
          session: (fn) => ctx.runtime.withDatabase(plan.work_db, fn),
          settings: postDataSettings(tuning.jobs),
          sizes,
          signal,
        }));
        ctx.log('INFO', `Indexes and constraints built by ${tuning.jobs} sessions: ${run.entries} entries`, 'restoring_database');
        return;
      }
      const restore = ctx.runtime.exec(pgRestoreArgv({ db: plan.work_db, role: plan.target.db_name }), {
        signal,
        environment: workRef(plan),
        stdin: 'pipe',
        stdout: 'ignore',
        pgOptions: RESTORE_SETTINGS,
      });
      await feedArchive(restore, archive, `pg_restore (${section})`);
    },
    async table(table: CopyTableInfo, rows: Readable) {
      const n = await restoring(`table ${qualified(table)}`, () => ctx.runtime.withDatabase(plan.work_db, async (client) => {
        let clean = false;
        try {
          await client.query('BEGIN');
          await client.query("SELECT set_config('synchronous_commit', 'off', true)");
          if (!table.part) await client.query(`TRUNCATE ONLY ${qualified(table)}`);
          const copy = client.query(copyStreams.from(`COPY ${qualified(table)}${columnList(table)} FROM STDIN${table.part ? '' : ' WITH (FREEZE)'}`));
          await pipeline(rows, copy);
          await client.query('COMMIT');
          clean = true;
          return copy.rowCount;
        } finally {
          if (!clean) rows.destroy();
        }
      }));
      loaded++;
      ctx.progress(Math.min(0.95, loaded / Math.max(1, total)), { items_done: loaded, items_total: total }, 'restoring_database');
      return n;
    },
    async sequences(values: readonly SequenceValue[]) {
      if (values.length === 0) return;
      await restoring('the sequences', () =>
        ctx.runtime.withDatabase(plan.work_db, async (client) => {
          for (const s of values) {
            await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [qualified(s), s.last_value, s.is_called]);
          }
        }),
      );
    },
  };
}

/**
 * Run `fn`; a failure names what was being restored (a target session cut mid-COPY says only
 * "read ECONNRESET"). Errors that already carry a code and step pass as they are.
 */
async function restoring<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new Error(`restoring ${what} into the target database failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Each session's share of the restore's memory for index builds: 512 MB in all, 64 MB at least. */
function postDataSettings(jobs: number): Record<string, string> {
  const mb = Math.max(64, Math.floor(512 / jobs));
  return { ...RESTORE_SETTINGS, maintenance_work_mem: `${mb}MB` };
}

/** The SQL script of a schema-only archive, as pg_restore would run it (with the target's role). */
async function restoreScript(plan: ClonePlan, ctx: TaskContext, archive: Readable, signal: AbortSignal): Promise<string> {
  const p = ctx.runtime.exec(pgRestoreScriptArgv({ role: plan.target.db_name }), { signal, environment: workRef(plan), stdin: 'pipe', stdout: 'pipe' });
  if (!p.stdout) throw new Error('pg_restore has no stdout');
  const chunks: Buffer[] = [];
  p.stdout.on('data', (c: Buffer) => chunks.push(c));
  await feedArchive(p, archive, 'pg_restore (post-data script)');
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Pipe an archive into a pg_restore's stdin; the process must exit 0 (its failure first, then the
 * pipe's: a restore that died explains the broken pipe).
 */
async function feedArchive(p: ExecHandle, archive: Readable, label: string): Promise<void> {
  if (!p.stdin) throw new Error(`${label} has no stdin`);
  const failure: { error: Error | null } = { error: null };
  await pipeline(archive, stdinSink(p.stdin)).catch((e: unknown) => {
    failure.error = e instanceof Error ? e : new Error(String(e));
    p.kill();
  });
  const exit = await p.exit;
  if (exit.code !== 0 || exit.aborted || exit.error) throw new ExecError(label, exit);
  if (failure.error) throw failure.error;
}

/** ANALYZE each table of the work database, largest first, `jobs` sessions at a time. */
export async function analyzeTables(plan: ClonePlan, ctx: TaskContext, jobs: number): Promise<void> {
  const tables = await ctx.runtime.withDatabase(plan.work_db, async (c) =>
    (
      await c.query<{ q: string }>(
        `SELECT format('%I.%I', n.nspname, c.relname) AS q FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
          ORDER BY pg_table_size(c.oid) DESC, 1`,
      )
    ).rows.map((r) => r.q),
  );
  const queue = [...tables];
  const n = Math.max(1, Math.min(jobs, queue.length));
  await restoring('statistics (ANALYZE)', () => Promise.all(
    Array.from({ length: n }, () =>
      ctx.runtime.withDatabase(plan.work_db, async (c) => {
        for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
          ctx.signal.throwIfAborted();
          await c.query(`ANALYZE ${t}`);
        }
      }),
    ),
  ));
}
