// sanitizing: runs the sanitizer on the restored database (never the source), in one transaction
// with its proof. A replace writes back the identity of the database it replaces; reset_passwords
// gets one random password per operation, returned once and stored only as a hash. Progress is
// by rows (sanitize/progress.ts): the option or phase and the table being worked on, with the
// table's rows done of its estimate, at least every second.
import type pg from 'pg';
import type { ClonePlan, CloneSanitizeInput, CloneSanitizeOutput, StepDetail, StreamMasking } from '@oec/shared';
import { scrubSnapshot } from '../../postgres/cow/index.js';
import { IDENTITY_PARAMS, generatePassword, hashOdooPassword, sanitizeDatabase, type BatchOptions, type SanitizeProgress } from '../../sanitize/index.js';
import type { TaskContext } from '../../tasks/types.js';
import { checkpoint, clonePaths, holdPoint, type CloneHooks } from '../context.js';
import { maskInPlace, planTransform, readTables, type InPlaceResult } from '../copy/index.js';
import { copyTuning, type CopyTuning } from '../copy/tuning.js';

/** The step's detail of a sanitizing progress report. */
export function sanitizingDetail(p: SanitizeProgress): Partial<StepDetail> {
  return {
    rows_done: p.rows_done,
    rows_total: p.rows_total,
    current: { option: p.option, table: p.table, rows_done: p.table_rows_done, rows_total: p.table_rows_total },
  };
}

export async function sanitize(
  plan: CloneSanitizeInput,
  ctx: TaskContext,
  hooks: CloneHooks,
  batch?: BatchOptions,
  tuning: CopyTuning = copyTuning(),
): Promise<CloneSanitizeOutput> {
  await checkpoint(ctx, hooks, 'sanitizing', 'start');
  await holdPoint(ctx, hooks, plan, 'sanitizing');
  const { runtime } = ctx;
  const identity = plan.mode === 'replace' ? await readIdentity(ctx, plan.target.db_name) : null;
  const password = plan.sanitization.options.reset_passwords ? generatePassword() : null;
  // copy-on-write: the rows are masked where they stand first, as the COPY path masks them in the
  // stream; the SQL pass then does what stays SQL on that path
  const inPlace = plan.data_path === 'cow' ? await maskSnapshot(plan, ctx, tuning) : null;
  // what the stream (COPY path) or the in-place pass masked; null: the SQL pass masks everything
  const masked = plan.data_path === 'copy' ? { rules: plan.in_stream?.rules ?? [] } : inPlace ? { rules: inPlace.masking?.rules ?? [] } : null;
  // the step's progress: [in place][SQL pass][scrub] on the copy-on-write path, the SQL pass alone
  // elsewhere; a report of 1 completes the step, so only the last part may reach it
  const share = inPlace ? SHARES.sql : plan.data_path === 'cow' ? 1 - SHARES.scrub : 1;
  const from = inPlace ? SHARES.inPlace : 0;
  let rowsTotal: number | null = null;
  const outcome = await runtime.withDatabase(plan.work_db, (client) =>
    sanitizeDatabase(client, {
      options: plan.sanitization.options,
      baseUrl: plan.sanitization.base_url,
      salt: plan.sanitization.salt,
      mode: plan.mode,
      identity,
      personalInStream: masked !== null,
      rules: plan.custom_rules ?? [],
      // the rules the data task (or the in-place pass) applied are counted there, not applied twice
      ...(masked ? { rulesInStream: masked.rules } : {}),
      sensitiveModels: plan.sensitive_models ?? [],
      filestore: placeholderFilestore(plan, ctx),
      ...(password ? { passwordHash: hashOdooPassword(password) } : {}),
      signal: ctx.signal,
      log: (level, message) => ctx.log(level, message, 'sanitizing'),
      progress: (p) => {
        rowsTotal = p.rows_total;
        ctx.progress(from + share * p.fraction, sanitizingDetail(p), 'sanitizing');
      },
      ...(batch ? { batch } : {}),
    }),
  );
  const { written_tables: writtenBySql, ...result } = outcome;
  const written = unionTables(inPlace?.result.written ?? [], writtenBySql);
  const scrub = plan.data_path === 'cow' ? await scrubClone(plan, ctx, written) : undefined;
  const applied = outcome.results.filter((r) => !r.skipped).length;
  ctx.log(
    'INFO',
    `Sanitization completed: ${applied} options applied, ${outcome.totals.affected_rows} records affected; proof ${outcome.proof.passed ? 'passed' : 'FAILED'}`,
    'sanitizing',
  );
  ctx.progress(
    1,
    { items_done: outcome.results.length, items_total: outcome.results.length, rows_done: rowsTotal, rows_total: rowsTotal, current: null },
    'sanitizing',
  );
  await checkpoint(ctx, hooks, 'sanitizing', 'end');
  return { ...result, generated_password: password, ...(scrub ? { scrub } : {}) };
}

/** Of the copy-on-write path's sanitizing progress: the in-place pass, the SQL pass, the scrub (large: about 60, 20, 15 s). */
const SHARES = { inPlace: 0.6, sql: 0.25, scrub: 0.15 } as const;

/**
 * The copy-on-write clone's personal data, credentials and stream-exact custom rules: the COPY
 * path's in-stream sanitizers, prepared from the copy itself (it holds the source's values until
 * now) and applied to its rows in place (copy/in-place.ts). Their proof by value fails the step
 * (PROOF_FAILED) before anything is committed.
 */
export async function maskSnapshot(plan: ClonePlan, ctx: TaskContext, tuning: CopyTuning): Promise<{ masking: StreamMasking | undefined; result: InPlaceResult }> {
  const t0 = performance.now();
  const planned = await planTransform(plan, ctx, null, tuning, { database: plan.work_db, step: 'sanitizing', done: 'Masked in place' });
  const captured = performance.now();
  const none: InPlaceResult = { written: [], rowsRead: 0, rowsChanged: 0, rowsRemoved: 0, readMs: 0, writeMs: 0 };
  if (!planned.factory) return { masking: planned.finish(), result: none };
  const factory = planned.factory;
  let masking: StreamMasking | undefined;
  const sessions = Math.max(1, Math.min(IN_PLACE_SESSIONS, tuning.jobs));
  const result = await withSessions(ctx, plan.work_db, sessions, async (clients) => {
    return maskInPlace(clients, await readTables(clients[0]!), factory, {
      signal: ctx.signal,
      progress: (done, total, table) =>
        ctx.progress(SHARES.inPlace * (done / Math.max(1, total)), { items_done: done, items_total: total, current: { option: 'in_place', table, rows_done: null, rows_total: null } }, 'sanitizing'),
      // PROOF_FAILED when a source value is left in a row the transforms wrote or kept: rolled back
      beforeCommit: () => (masking = planned.finish()),
      // every table written is rewritten by the scrub, which rebuilds the indexes set aside
      deferIndexes: true,
    });
  });
  ctx.log(
    'INFO',
    `In place: ${result.rowsRead} rows read, ${result.rowsChanged} changed, ${result.rowsRemoved} removed in ${result.written.length} tables ` +
      `(${Math.round(performance.now() - t0)} ms: ${Math.round(captured - t0)} ms reading the values to mask, then ${result.readMs} ms reading rows through the masking ` +
      `and ${result.writeMs} ms writing the changed ones back, side by side)`,
    'sanitizing',
  );
  return { masking, result };
}

/** Sessions of the in-place pass: its writer, and a reader ahead of it (copy/in-place.ts). */
const IN_PLACE_SESSIONS = 2;
/** Sessions rewriting the masked tables side by side (postgres/cow scrub.ts). */
const SCRUB_SESSIONS = 2;

/** `n` sessions on `database`, all closed after `fn`. */
async function withSessions<T>(ctx: TaskContext, database: string, n: number, fn: (clients: pg.ClientBase[]) => Promise<T>, open: pg.ClientBase[] = []): Promise<T> {
  if (open.length >= n) return fn(open);
  return ctx.runtime.withDatabase(database, (c) => withSessions(ctx, database, n, fn, [...open, c]));
}

function unionTables(...lists: ReadonlyArray<ReadonlyArray<{ schema: string; name: string }>>): Array<{ schema: string; name: string }> {
  const seen = new Map<string, { schema: string; name: string }>();
  for (const t of lists.flat()) seen.set(`${t.schema}.${t.name}`, t);
  return [...seen.values()];
}

/**
 * A copy-on-write clone shares the source's old pages until it writes them, and an UPDATE leaves
 * the old row versions, index keys, statistics samples and WAL images in the copy's own files:
 * the tables sanitizing wrote are rewritten, the statistics catalogs too, and every WAL segment
 * from before is removed (postgres/cow scrub, decision 0020).
 */
async function scrubClone(plan: ClonePlan, ctx: TaskContext, tables: ReadonlyArray<{ schema: string; name: string }>): Promise<NonNullable<CloneSanitizeOutput['scrub']>> {
  ctx.log('INFO', `Rewriting the ${tables.length} tables sanitizing wrote, so that no old row version stays in the copy's files`, 'sanitizing');
  ctx.progress(1 - SHARES.scrub, { current: { option: 'rewrite', table: null, rows_done: null, rows_total: null } }, 'sanitizing');
  const scrubbed = await withSessions(ctx, plan.work_db, SCRUB_SESSIONS, async ([c, ...more]) => {
    if (!c) throw new Error('no session on the copy');
    const done = await scrubSnapshot(c, tables, [], more);
    // the copy's start settings that only the clone needed (postgres/cow start.ts) go
    for (const name of ['wal_recycle', 'max_logical_replication_workers']) await c.query(`ALTER SYSTEM RESET ${name}`);
    await c.query('SELECT pg_reload_conf()');
    return done;
  });
  ctx.log(
    'INFO',
    `Copy rewritten: ${tables.length} tables in ${Math.round(scrubbed.rewriteMs)} ms; WAL from before removed in ${Math.round(scrubbed.walMs)} ms (${scrubbed.walSegments.length} segments left, all newer)`,
    'sanitizing',
  );
  return { tables: tables.length, rewrite_ms: Math.round(scrubbed.rewriteMs), wal_ms: Math.round(scrubbed.walMs) };
}

async function readIdentity(ctx: TaskContext, database: string): Promise<Record<string, string>> {
  return ctx.runtime.withDatabase(database, async (c) => {
    // a database Odoo never initialised (a new environment replaced before its first start) has none
    const { rows: found } = await c.query<{ present: boolean }>("SELECT to_regclass('public.ir_config_parameter') IS NOT NULL AS present");
    if (found[0]?.present !== true) return {};
    const { rows } = await c.query<{ key: string; value: string }>(
      'SELECT key, value FROM ir_config_parameter WHERE key = ANY($1::text[])',
      [[...IDENTITY_PARAMS]],
    );
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  });
}

/**
 * Where replace_sensitive_attachments puts its placeholder files: the filestore the clone copied
 * (which it may prune), or — without one — the filestore the target keeps, never pruned (its
 * files belong to the database being replaced).
 */
function placeholderFilestore(plan: ClonePlan, ctx: TaskContext): { dir: string; removeUnreferenced: boolean } {
  const paths = clonePaths(ctx, plan);
  return plan.include_filestore ? { dir: paths.workFilestore, removeUnreferenced: true } : { dir: paths.targetFilestore, removeUnreferenced: false };
}
