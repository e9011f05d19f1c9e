// Read-only impact estimate ("~247 customer emails will be anonymized"), safe to run against a
// production source: one REPEATABLE READ READ ONLY transaction with a statement_timeout, exact
// counts for ordinary tables and the planner's row estimate (EXPLAIN) for tables over a million
// rows (pg_class.reltuples). Counts follow the same predicates and the same option order as the
// sanitizing run, so on an unchanged database they equal its affected_rows.
import type pg from 'pg';
import type { PersonalColumn, RuleImpact, SanitizationOptions, SanitizationRule } from '@oec/shared';
import { OptionEstimateContext, QUERY_CANCELED } from './context.js';
import { countApiKeysIn } from './options/credentials.js';
import { MISSING_OBJECT_CODES, sqlState } from './proof.js';
import { SchemaInfo } from './schema-info.js';
import { keyedHash } from './pseudonyms.js';
import { countPersonal } from './personal/engine.js';
import { loadPersonalMap, personalCoverage, type PersonalMap } from './personal/map.js';
import { countRules } from './rules/run.js';
import { optionsToRun, PERSONAL_OPTIONS } from './sanitize.js';
import type { EstimateOptions, ImpactEstimate } from './types.js';

const DEFAULT_TIMEOUT_MS = 15_000;

async function readOnly<T>(client: pg.ClientBase, opts: EstimateOptions, fn: (schema: SchemaInfo) => Promise<T>): Promise<T> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(`SELECT set_config('search_path', 'public', true)`);
    await client.query(`SELECT set_config('jit', 'off', true)`);
    // catalog reads first (lock-free), then the timeout for the counting queries
    const schema = await SchemaInfo.load(client);
    await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(opts.statementTimeoutMs ?? DEFAULT_TIMEOUT_MS)]);
    return await fn(schema);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

async function reltuples(client: pg.ClientBase): Promise<Map<string, number>> {
  const { rows } = await client.query<{ relname: string; reltuples: number }>(
    `SELECT c.relname, c.reltuples::float8 AS reltuples FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`,
  );
  return new Map(rows.map((r) => [r.relname, Number(r.reltuples)]));
}

/** Per enabled option (clear_asset_bundles always): the rows it would touch and a summary. */
export async function estimateImpact(
  client: pg.ClientBase,
  options: SanitizationOptions,
  opts: EstimateOptions = {},
): Promise<ImpactEstimate[]> {
  const run = optionsToRun(options);
  const enabled = new Set(run.map((o) => o.key));
  return readOnly(client, opts, async (schema) => {
    const sizes = await reltuples(client);
    const out: ImpactEstimate[] = [];
    let personal: PersonalMap | null = null;
    for (const o of run) {
      const ctx = new OptionEstimateContext(client, schema, enabled, sizes, opts.sensitiveModels);
      await client.query('SAVEPOINT oec_estimate');
      try {
        const impact = await o.estimate(ctx);
        let rows = impact.rows;
        let summary = impact.summary;
        let overlap = false;
        if (PERSONAL_OPTIONS.has(o.key)) {
          personal ??= await loadPersonalMap(ctx, { series: opts.odooSeries ?? null });
          // the pseudonyms' key is irrelevant to counting
          const more = await countPersonal(ctx, keyedHash('estimate'), personal, o.key);
          // rows the option's own pass and the by-value pass both see are counted by each, and
          // what an earlier option rewrites is not there any more for a later one: a preview
          overlap = more > 0;
          if (more > 0) summary = rows > 0 ? `${summary}, ${more} more records elsewhere` : `${more} records with personal data will be masked`;
          rows += more;
        }
        await client.query('RELEASE SAVEPOINT oec_estimate');
        const approximate = ctx.approximate || overlap;
        out.push({ option_key: o.key, rows, approximate, summary: `${approximate ? '~' : ''}${summary}` });
      } catch (e) {
        const code = sqlState(e);
        if (code !== QUERY_CANCELED && !(code && MISSING_OBJECT_CODES.has(code))) throw e;
        await client.query('ROLLBACK TO SAVEPOINT oec_estimate');
        const why = code === QUERY_CANCELED ? 'not counted within the time limit' : `not counted: ${(e as Error).message}`;
        out.push({ option_key: o.key, rows: 0, approximate: true, summary: why });
      }
    }
    return out;
  });
}

/** The personal data map of the database as the estimate shows it (read-only, sampled). */
export async function personalColumns(
  client: pg.ClientBase,
  options: SanitizationOptions,
  opts: EstimateOptions = {},
  rules: readonly SanitizationRule[] = [],
): Promise<PersonalColumn[]> {
  return readOnly(client, opts, async () => personalCoverage(await loadPersonalMap(client, { series: opts.odooSeries ?? null }), options, rules));
}

/** Per custom rule: the rows it would change on this database, or why it would be skipped. */
export async function estimateRules(client: pg.ClientBase, rules: readonly SanitizationRule[], opts: EstimateOptions = {}): Promise<RuleImpact[]> {
  if (rules.length === 0) return [];
  return readOnly(client, opts, async (schema) => {
    const sizes = await reltuples(client);
    return countRules(() => new OptionEstimateContext(client, schema, new Set(), sizes), rules);
  });
}

/** How many credential values clear_api_keys would clear (the estimate's `api_keys_found`). */
export async function countApiKeys(client: pg.ClientBase, opts: EstimateOptions = {}): Promise<number> {
  return readOnly(client, opts, (schema) => countApiKeysIn({ query: (sql, values = []) => client.query(sql, [...values]), schema, enabled: new Set() }));
}
