// The sanitizing run, on the freshly restored TARGET database (never the source), in ONE
// transaction:
//
//   BEGIN → capture the "before" facts into pg_temp tables → identity → per option:
//   SAVEPOINT, apply, RELEASE → proof → COMMIT → the options' after-commit work (files in the
//   clone's filestore that no committed row references any more)
//
// A missing table or column (checked first, and SQLSTATE 42P01/42703 as a fallback) skips the
// option with a warning; any other error rolls everything back (SANITIZATION_FAILED); a failed
// proof rolls everything back (PROOF_FAILED); an abort rolls back (CANCELLED). Either the database
// is sanitized and proven, or it is exactly as restored.
import type pg from 'pg';
import {
  AppError,
  ErrorCode,
  isAppError,
  type ProofCheck,
  type SanitizationOptionKey,
  type SanitizationResult,
} from '@oec/shared';
import { OptionRunContext, throwIfAborted, type TablePasses } from './context.js';
import { applyIdentity, captureIdentity, identityChecks } from './identity.js';
import { SANITIZE_OPTIONS } from './options/index.js';
import { isOdooPasswordHash } from './passwords.js';
import { applyPersonal, capturePersonal, derivePersonal, proveByValue } from './personal/engine.js';
import { loadPersonalMap, type PersonalMap } from './personal/map.js';
import { ProgressMeter } from './progress.js';
import { progressUnits } from './progress-plan.js';
import { MISSING_OBJECT_CODES, runProof, sqlState, type PlannedCheck } from './proof.js';
import { keyedHash } from './pseudonyms.js';
import { DEFAULT_BATCH, tableRows } from './ranges.js';
import { applyRules, captureRules, proveRules } from './rules/run.js';
import { SchemaInfo } from './schema-info.js';
import type { SanitizeOption, SanitizeOutcome, SanitizeParams } from './types.js';

/** The options whose columns come from the personal data map (personal/). */
export const PERSONAL_OPTIONS: ReadonlySet<SanitizationOptionKey> = new Set([
  'anonymize_emails',
  'anonymize_phones',
  'anonymize_addresses',
  'anonymize_company_names',
  'anonymize_identity_numbers',
]);

/** The options a run applies: the enabled ones, and clear_asset_bundles always. */
export function optionsToRun(options: SanitizeParams['options']): SanitizeOption[] {
  return SANITIZE_OPTIONS.filter((o) => o.key === 'clear_asset_bundles' || options[o.key]);
}

function validate(p: SanitizeParams): void {
  const bad = (message: string): AppError => new AppError(ErrorCode.SANITIZATION_FAILED, message, { reason: 'INVALID_PARAMS' });
  if (p.salt.length === 0) throw bad('sanitization salt is empty');
  if (p.options.reset_passwords && !isOdooPasswordHash(p.passwordHash ?? '')) {
    throw bad('reset_passwords needs passwordHash, a pbkdf2-sha512 passlib hash (see hashOdooPassword)');
  }
  if (p.options.update_base_url && !/^https?:\/\/[^\s/]+/.test(p.baseUrl)) {
    throw bad(`update_base_url needs an http(s) base URL, got "${p.baseUrl}"`);
  }
}

function failure(step: string, e: unknown): AppError {
  if (isAppError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new AppError(ErrorCode.SANITIZATION_FAILED, `sanitization step ${step} failed: ${message}`, {
    option_key: step,
    sqlstate: sqlState(e) ?? null,
    pg_message: message,
  });
}

async function guarded<T>(step: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw failure(step, e);
  }
}

export async function sanitizeDatabase(client: pg.ClientBase, p: SanitizeParams): Promise<SanitizeOutcome> {
  validate(p);
  const log = p.log ?? ((): void => undefined);
  const started = performance.now();
  const options = optionsToRun(p.options);
  const enabled = new Set<SanitizationOptionKey>(options.map((o) => o.key));
  const key = keyedHash(p.salt);
  throwIfAborted(p.signal);
  // where the time outside the options goes (the task output's totals.phases_ms)
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string): void => {
    const now = performance.now();
    phases[name] = (phases[name] ?? 0) + Math.round(now - mark);
    mark = now;
  };

  // rows done of the rows planned, reported at least every second (progress.ts)
  const meter = p.progress ? new ProgressMeter(p.progress) : null;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('search_path', 'public', true)`);
    // Statements here are wide (one UPDATE per table over all its columns): the planner's costs
    // would trigger JIT compilation, which takes seconds per statement and saves nothing.
    await client.query(`SELECT set_config('jit', 'off', true)`);
    const schema = await SchemaInfo.load(client);
    const passes: TablePasses = { meter, rows: await tableRows(client), batch: p.batch ?? DEFAULT_BATCH };
    phase('schema');
    const afterCommit: Array<() => Promise<unknown>> = [];
    const context = (): OptionRunContext => new OptionRunContext(client, schema, enabled, p, key, afterCommit, passes);

    // the map first (catalog reads only): its tables weigh the capture, the options and the proof
    let personal: PersonalMap | null = null;
    if (options.some((o) => PERSONAL_OPTIONS.has(o.key))) {
      const ctx = context();
      personal = await guarded('personal_data_map', () => loadPersonalMap(ctx, { series: p.odooSeries ?? null }));
      phase('personal_map');
    }
    meter?.plan(
      progressUnits({
        options,
        rows: passes.rows,
        personal,
        isPersonal: (k) => PERSONAL_OPTIONS.has(k),
        personalInStream: p.personalInStream ?? false,
        rules: p.rules ?? [],
      }),
    );
    meter?.begin('capture');
    for (const o of options) {
      await guarded(o.key, async () => {
        await o.capture?.(context());
      });
    }
    // custom rules: what each can do here, and the rows their filters select, before any option writes
    const ruleCtx = context();
    const rules = await guarded('custom_rules', () => captureRules(ruleCtx, p.rules ?? []));
    phase('capture');
    if (personal) {
      const map = personal;
      const ctx = context();
      if (!p.personalInStream) await guarded('personal_data_map', () => capturePersonal(ctx, map));
      phase('personal_map');
      log('INFO', `personal data map: ${map.columns.length} columns, ${map.textColumns.length} text columns searched by value`);
    }
    const identityCtx = context();
    await guarded('identity', () => captureIdentity(identityCtx));
    const written = await guarded('identity', () => applyIdentity(identityCtx));
    phase('identity');
    log('INFO', written.length > 0 ? `identity (${p.mode}): ${written.join(', ')} written` : `identity (${p.mode}): nothing to write`);

    const results: SanitizationResult[] = [];
    const planned: Array<PlannedCheck | ProofCheck> = [];
    for (const o of options) {
      meter?.begin(o.key);
      const ctx = context();
      const t0 = performance.now();
      let affected = 0;
      let skipped: boolean;
      let warning: string | null;
      await client.query('SAVEPOINT oec_option');
      try {
        affected = await o.apply(ctx);
        if (personal && PERSONAL_OPTIONS.has(o.key)) affected += p.personalInStream ? await derivePersonal(ctx, o.key) : await applyPersonal(ctx, personal, o.key);
        await client.query('RELEASE SAVEPOINT oec_option');
        skipped = ctx.skipped;
        warning = ctx.warning;
      } catch (e) {
        const code = sqlState(e);
        if (isAppError(e) || !code || !MISSING_OBJECT_CODES.has(code)) throw failure(o.key, e);
        await client.query('ROLLBACK TO SAVEPOINT oec_option');
        await client.query('RELEASE SAVEPOINT oec_option');
        affected = 0;
        skipped = true;
        warning = `skipped: ${(e as Error).message}`;
      }
      const duration = Math.round(performance.now() - t0);
      mark = performance.now();
      results.push({ option_key: o.key, success: true, skipped, warning, affected_rows: affected, duration_ms: duration });
      if (warning) log('WARNING', `${o.key}: ${warning}`);
      log('INFO', `${o.key}: ${skipped ? 'skipped' : `${affected} rows`} (${duration} ms)`);
      if (skipped) {
        planned.push({ option_key: o.key, check: `${o.key} skipped`, passed: true, violations: 0, detail: warning });
      } else {
        for (const spec of o.proof(ctx)) planned.push({ option_key: o.key, spec });
        const files = await guarded(o.key, async () => (await o.proveFiles?.(ctx)) ?? []);
        for (const c of files) planned.push({ option_key: o.key, ...c, passed: c.violations === 0 });
      }
      phase('proof_files');
    }
    meter?.begin('custom_rules');
    const ruleResults = await applyRules(ruleCtx, rules, (m) => log('INFO', m), p.rulesInStream);
    phase('rules');
    // The identity is not an option; its checks ride on the always-applied step.
    for (const spec of identityChecks(identityCtx)) planned.push({ option_key: 'clear_asset_bundles', spec });

    meter?.begin('proof');
    const checked = await guarded('proof', () => runProof(client, schema, planned, p.signal));
    phase('proof');
    // masked in stream: the source's values were searched in every row written (clone/copy)
    const byValue = personal && !p.personalInStream ? await guarded('proof', () => proveByValue(context(), personal)) : [];
    phase('proof_by_value');
    const ruleChecks = await guarded('proof', () => proveRules(ruleCtx, rules));
    phase('proof_rules');
    const proof = {
      ...checked,
      passed: checked.passed && byValue.every((c) => c.passed) && ruleChecks.every((c) => c.passed),
      checks: [...checked.checks, ...byValue],
      ...(ruleChecks.length > 0 ? { rule_checks: ruleChecks } : {}),
    };
    const failed = [...proof.checks, ...ruleChecks].filter((c) => !c.passed);
    if (failed.length > 0) {
      throw new AppError(
        ErrorCode.PROOF_FAILED,
        `sanitization proof failed: ${failed.map((c) => `${c.check} (${c.violations})`).join('; ')}`,
        { failed_checks: failed, proof },
      );
    }
    throwIfAborted(p.signal);
    meter?.end();
    const writtenByRun = await writtenTables(client);
    await client.query('COMMIT');
    phase('commit');
    // committed: nothing references these files any more (the clone's own filestore only)
    for (const fn of afterCommit) await fn();
    phase('after_commit');
    const totals = {
      affected_rows: results.reduce((n, r) => n + r.affected_rows, 0),
      duration_ms: Math.round(performance.now() - started),
      phases_ms: phases,
    };
    log('INFO', `sanitization committed: ${totals.affected_rows} rows, proof ${proof.checks.length} checks passed (${totals.duration_ms} ms)`);
    return { results, proof, totals, rule_results: ruleResults, written_tables: writtenByRun };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    const err = failure('sanitize', e);
    log('ERROR', `${err.code}: ${err.message} (rolled back)`);
    throw err;
  } finally {
    meter?.stop();
  }
}

/**
 * The tables this transaction inserted into, updated or deleted from (its own statistics, exact
 * before COMMIT): where old row versions now lie dead (a copy-on-write clone rewrites them). Its
 * own temporary tables (the capture's) are not among them.
 */
async function writtenTables(client: pg.ClientBase): Promise<Array<{ schema: string; name: string }>> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT s.schemaname AS schema, s.relname AS name
       FROM pg_stat_xact_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.n_tup_ins + s.n_tup_upd + s.n_tup_del > 0 AND c.relpersistence = 'p'
      ORDER BY 1, 2`,
  );
  return rows;
}
