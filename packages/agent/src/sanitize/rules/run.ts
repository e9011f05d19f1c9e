// Custom sanitization rules on the SQL path, inside the sanitizer's one transaction:
//
//   capture (before any option applies): per rule, check that its table and columns exist (a
//     missing one: the rule is reported skipped, not fatal) and that the function fits the column
//     (a text function on a non-text column, NULL into NOT NULL, a pseudonym longer than a
//     varchar(n): SANITIZATION_FAILED, the clone does not go on with a rule it cannot apply);
//     then the ids of the rows its filter selects, into pg_temp.oec_rule_<i> — so the filter
//     sees the data as restored, even where an option rewrites the column it tests;
//   apply (after the options, in the rules' order): one UPDATE per rule (DELETE or TRUNCATE for
//     truncate_table), so a rule's value wins over an option's on the same column;
//   proof (before COMMIT): per rule, the rows it applies to that still hold a value it did not
//     write (value functions: a value not in the function's form; constant: another value; null:
//     a value; truncate_table: any row). Rows a later rule on the same column rewrote are the
//     later rule's to prove.
//
// A table without an `id` column is filtered again at apply and proof time instead.
import { AppError, ErrorCode, type RuleImpact, type RuleProofCheck, type RuleResult, type SanitizationRule } from '@oec/shared';
import { QUERY_CANCELED } from '../context.js';
import { quoteIdent } from '../personal/map.js';
import { MISSING_OBJECT_CODES, passSql, sqlState } from '../proof.js';
import { Stmt } from '../sql.js';
import type { ApplyContext, EstimateContext, SqlRunner, TableRows } from '../types.js';
import { RULE_OUTPUT_RE } from './functions.js';
import { col, filterSql, isValueFunction, maskSql, needsSql, param } from './sql.js';

export interface ColumnInfo {
  type: string;
  notNull: boolean;
  maxLength: number | null;
  /** Its collation orders by bytes (C, POSIX, C.UTF-8; text types only). */
  byteOrder: boolean;
  /** Its collation is deterministic (equal means the same bytes). */
  deterministic: boolean;
}
export type Columns = Map<string, Map<string, ColumnInfo>>;

/** One rule in a run: skipped (with the reason) or where its rows were captured. */
export interface RuleState {
  index: number;
  rule: SanitizationRule;
  skipped: string | null;
  /** pg_temp table of the selected rows' ids; null: the filter is evaluated again. */
  captured: string | null;
}

const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext']);
/** The shortest value each function writes (a varchar(n) must hold it). */
const MIN_LENGTH: Record<string, number> = {
  pseudonym_email: 34,
  keep_domain_email: 34,
  pseudonym_phone: 14,
  fake_name: 13,
  fake_address: 13,
  hash: 64,
};

export async function loadColumns(q: SqlRunner, tables: readonly string[]): Promise<Columns> {
  // The default collation is the database's (its provider: datlocprovider since PostgreSQL 15,
  // read through jsonb so that an older server answers too; before 15 it was always libc). Byte
  // order: C and POSIX (PostgreSQL compares with memcmp), and glibc's C.UTF-8 (code point order,
  // which is UTF-8 byte order).
  const { rows } = await q.query<{ t: string; c: string; type: string; not_null: boolean; max_length: number | null; byte_order: boolean; deterministic: boolean }>(
    `WITH db AS (SELECT d.datcollate, coalesce(to_jsonb(d) ->> 'datlocprovider', 'c') AS provider
                   FROM pg_catalog.pg_database d WHERE d.datname = current_database())
     SELECT c.relname AS t, a.attname AS c, ty.typname AS type, a.attnotnull AS not_null,
            CASE WHEN a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4 THEN a.atttypmod - 4 END AS max_length,
            CASE WHEN co.collname = 'default' THEN db.provider = 'c' AND db.datcollate IN ('C', 'POSIX', 'C.UTF-8', 'C.utf8')
                 ELSE coalesce(co.collprovider = 'c' AND co.collcollate IN ('C', 'POSIX', 'C.UTF-8', 'C.utf8'), false) END AS byte_order,
            coalesce(co.collisdeterministic, true) AS deterministic
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
       JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
       LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
       CROSS JOIN db
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND c.relname = ANY($1::text[])`,
    [[...new Set(tables)]],
  );
  const out: Columns = new Map();
  for (const r of rows) {
    let cols = out.get(r.t);
    if (!cols) out.set(r.t, (cols = new Map<string, ColumnInfo>()));
    cols.set(r.c, { type: r.type, notNull: r.not_null, maxLength: r.max_length, byteOrder: r.byte_order, deterministic: r.deterministic });
  }
  return out;
}

/** `rule 2 (pseudonym_email on res_partner.x_email)` */
export function describeRule(index: number, r: SanitizationRule): string {
  return `rule ${index} (${r.function} on ${r.table}${r.column ? `.${r.column}` : ''})`;
}

/** Why the rule cannot run here because something it names is missing, else null. */
export function missing(cols: Columns, r: SanitizationRule): string | null {
  const table = cols.get(r.table);
  if (!table) return `table ${r.table} not present`;
  if (r.column && !table.has(r.column)) return `column ${r.table}.${r.column} not present`;
  for (const c of r.filter ?? []) if (!table.has(c.column)) return `filter column ${r.table}.${c.column} not present`;
  return null;
}

/** Why the function cannot write this column (the clone fails rather than leave it unmasked). */
export function misfit(cols: Columns, r: SanitizationRule): string | null {
  if (!r.column) return null;
  const info = cols.get(r.table)?.get(r.column);
  if (!info) return null;
  if (r.function === 'null') return info.notNull ? 'the column is NOT NULL' : null;
  if (r.function === 'constant') {
    return TEXT_TYPES.has(info.type) && info.maxLength !== null && (r.value ?? '').length > info.maxLength
      ? `the value is longer than the column (${info.type}(${info.maxLength}))`
      : null;
  }
  if (!TEXT_TYPES.has(info.type)) return `the column is ${info.type}; ${r.function} needs a text column`;
  const need = MIN_LENGTH[r.function] ?? 0;
  if (info.maxLength !== null && info.maxLength < need) return `the column is ${info.type}(${info.maxLength}); ${r.function} writes ${need} characters`;
  return null;
}

export function ruleError(index: number, r: SanitizationRule, why: string): AppError {
  return new AppError(ErrorCode.SANITIZATION_FAILED, `custom ${describeRule(index, r)} cannot be applied: ${why}`, {
    reason: 'CUSTOM_RULE',
    rule_index: index,
    table: r.table,
    column: r.column ?? null,
  });
}

async function run<T>(index: number, r: SanitizationRule, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw ruleError(index, r, e instanceof Error ? e.message : String(e));
  }
}

/** Before the options: what each rule can do here, and the ids of the rows it selects. */
export async function captureRules(ctx: ApplyContext, rules: readonly SanitizationRule[]): Promise<RuleState[]> {
  if (rules.length === 0) return [];
  const cols = await loadColumns(ctx, rules.map((r) => r.table));
  const out: RuleState[] = [];
  for (const [index, rule] of rules.entries()) {
    const why = missing(cols, rule);
    if (why) {
      out.push({ index, rule, skipped: why, captured: null });
      continue;
    }
    const bad = misfit(cols, rule);
    if (bad) throw ruleError(index, rule, bad);
    let captured: string | null = null;
    if (cols.get(rule.table)?.has('id')) {
      captured = `pg_temp.oec_rule_${index}`;
      const s = new Stmt();
      await run(index, rule, () =>
        ctx.query(`CREATE TEMP TABLE oec_rule_${index} ON COMMIT DROP AS SELECT t.id FROM ${quoteIdent(rule.table)} t WHERE ${filterSql(s, rule.filter)}`, s.values),
      );
    }
    out.push({ index, rule, skipped: null, captured });
  }
  return out;
}

/** SQL: the rows the rule applies to (alias `t`). */
function rowsSql(s: Stmt, st: RuleState): string {
  return st.captured ? `t.id IN (SELECT id FROM ${st.captured})` : filterSql(s, st.rule.filter);
}

async function referenced(ctx: SqlRunner, table: string): Promise<boolean> {
  const { rows } = await ctx.query<{ referenced: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.contype = 'f' AND c.confrelid = to_regclass($1) AND c.conrelid <> c.confrelid) AS referenced`,
    [`public.${quoteIdent(table)}`],
  );
  return rows[0]?.referenced ?? false;
}

async function applyOne(ctx: ApplyContext, st: RuleState): Promise<number> {
  const { rule } = st;
  const table = quoteIdent(rule.table);
  const s = new Stmt();
  if (rule.function === 'truncate_table') {
    // TRUNCATE only for a whole table no other table references: never CASCADE (that would
    // empty the referencing tables too); otherwise DELETE, which follows each foreign key's own
    // ON DELETE rule (Odoo's ondelete) and fails on a RESTRICT.
    if (!rule.filter?.length && !(await referenced(ctx, rule.table))) {
      const { rows } = await ctx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ONLY ${table}`);
      await ctx.query(`TRUNCATE ONLY ${table}`);
      return rows[0]?.n ?? 0;
    }
    return ctx.exec(`DELETE FROM ${table} t WHERE ${rowsSql(s, st)}`, s.values);
  }
  const column = rule.column as string;
  const x = col(column);
  const where = rowsSql(s, st);
  if (rule.function === 'null') return ctx.exec(`UPDATE ${table} t SET ${quoteIdent(column)} = NULL WHERE ${where} AND ${x} IS NOT NULL`, s.values);
  if (rule.function === 'constant') {
    const v = param(s, rule.value ?? '');
    return ctx.exec(`UPDATE ${table} t SET ${quoteIdent(column)} = ${v} WHERE ${where} AND ${x} IS DISTINCT FROM ${v}`, s.values);
  }
  const fn = rule.function;
  if (!isValueFunction(fn)) return 0;
  const needs = needsSql(s, fn, x);
  return ctx.exec(`UPDATE ${table} t SET ${quoteIdent(column)} = ${maskSql(s, ctx.key, fn, x)} WHERE ${where} AND ${needs}`, s.values);
}

/**
 * After the options: each rule in order; skipped ones as captured. `inStream` (COPY path): the
 * rules the stream applied, reported with its counts and not applied again; the others run here.
 */
export async function applyRules(
  ctx: ApplyContext,
  states: readonly RuleState[],
  log?: (message: string) => void,
  inStream?: ReadonlyArray<{ rule_index: number; affected_rows: number }>,
): Promise<RuleResult[]> {
  const streamed = new Map(inStream?.map((r) => [r.rule_index, r.affected_rows]));
  const out: RuleResult[] = [];
  for (const st of states) {
    const t0 = performance.now();
    const base = { rule_index: st.index, table: st.rule.table, column: st.rule.column ?? null, function: st.rule.function };
    if (st.skipped) {
      out.push({ ...base, skipped: true, reason: st.skipped, affected_rows: 0, duration_ms: 0 });
      log?.(`custom ${describeRule(st.index, st.rule)}: skipped (${st.skipped})`);
      continue;
    }
    const counted = streamed.get(st.index);
    if (counted !== undefined) {
      out.push({ ...base, skipped: false, reason: null, affected_rows: counted, duration_ms: 0, in_stream: true });
      log?.(`custom ${describeRule(st.index, st.rule)}: ${counted} rows, in the stream`);
      continue;
    }
    const affected = await run(st.index, st.rule, () => applyOne(ctx, st));
    const duration = Math.round(performance.now() - t0);
    out.push({ ...base, skipped: false, reason: null, affected_rows: affected, duration_ms: duration, ...(inStream ? { in_stream: false } : {}) });
    log?.(`custom ${describeRule(st.index, st.rule)}: ${affected} rows (${duration} ms)${inStream ? ', after the load' : ''}`);
  }
  return out;
}

/** SQL condition (alias `t`): the row still holds a value the rule did not write. */
function unmaskedSql(s: Stmt, rule: SanitizationRule): string {
  if (rule.function === 'truncate_table') return 'TRUE';
  const x = col(rule.column as string);
  if (rule.function === 'null') return `${x} IS NOT NULL`;
  if (rule.function === 'constant') return `${x} IS DISTINCT FROM ${param(s, rule.value ?? '')}`;
  const form = rule.function === 'hash' ? '^[0-9a-f]{64}$' : RULE_OUTPUT_RE[rule.function];
  return `(${x} IS NOT NULL AND btrim(${x}) <> '' AND ${x} !~ ${param(s, form)})`;
}

function checkName(st: RuleState): string {
  const r = st.rule;
  const what = r.function === 'truncate_table' ? 'no row remains' : r.function === 'null' ? 'no value remains' : r.function === 'constant' ? 'every value is the constant' : `every value is ${r.function === 'hash' ? 'a keyed hash' : `a ${r.function} pseudonym`}`;
  return `custom ${describeRule(st.index, r)}: ${what}${r.filter?.length ? ' where its filter holds' : ''}`;
}

/** The rows of the rule's table it applies to that still hold a value it did not write. */
function unmaskedRows(states: readonly RuleState[], i: number, st: RuleState): TableRows {
  const r = st.rule;
  const later = states
    .slice(i + 1)
    .filter((o) => !o.skipped && o.rule.table === r.table && (o.rule.function === 'truncate_table' || (r.column && o.rule.column === r.column)));
  return {
    table: r.table,
    alias: 't',
    only: true,
    where: (s) => [`(${rowsSql(s, st)})`, unmaskedSql(s, r), ...later.map((o) => `(${rowsSql(s, o)}) IS NOT TRUE`)].join(' AND '),
  };
}

/** One pass over a table for all its rules' checks; when it fails, each rule alone, to name the rule. */
async function countPass(ctx: ApplyContext, pass: ReadonlyArray<{ st: RuleState; rows: TableRows }>): Promise<number[]> {
  const one = async (p: { st: RuleState; rows: TableRows }): Promise<number> => {
    const { sql, values } = passSql([p.rows]);
    const { rows } = await run(p.st.index, p.st.rule, () => ctx.query<{ c0: number }>(sql, values));
    return rows[0]?.c0 ?? 0;
  };
  const [first] = pass;
  if (pass.length === 1 && first) return [await one(first)];
  const { sql, values } = passSql(pass.map((p) => p.rows));
  await ctx.query('SAVEPOINT oec_rule_proof');
  try {
    const { rows } = await ctx.query<Record<string, number>>(sql, values);
    await ctx.query('RELEASE SAVEPOINT oec_rule_proof');
    return pass.map((_, i) => rows[0]?.[`c${i}`] ?? 0);
  } catch {
    await ctx.query('ROLLBACK TO SAVEPOINT oec_rule_proof');
    await ctx.query('RELEASE SAVEPOINT oec_rule_proof');
    const counts: number[] = [];
    for (const p of pass) counts.push(await one(p));
    return counts;
  }
}

/** Before COMMIT: one check per applied rule, all the rules of a table counted in one pass over it. */
export async function proveRules(ctx: ApplyContext, states: readonly RuleState[]): Promise<RuleProofCheck[]> {
  const out: Array<RuleProofCheck | null> = [];
  const passes = new Map<string, Array<{ at: number; st: RuleState; rows: TableRows }>>();
  for (const [i, st] of states.entries()) {
    if (st.skipped) {
      out.push({ rule_index: st.index, check: `custom ${describeRule(st.index, st.rule)} skipped`, passed: true, violations: 0, detail: st.skipped });
      continue;
    }
    const pass = passes.get(st.rule.table) ?? [];
    pass.push({ at: out.length, st, rows: unmaskedRows(states, i, st) });
    passes.set(st.rule.table, pass);
    out.push(null);
  }
  for (const pass of passes.values()) {
    const counts = await countPass(ctx, pass);
    pass.forEach(({ at, st }, i) => {
      const n = counts[i] ?? 0;
      out[at] = { rule_index: st.index, check: checkName(st), passed: n === 0, violations: n, detail: n === 0 ? null : `${n} row${n === 1 ? '' : 's'} not masked` };
    });
  }
  return out.filter((c): c is RuleProofCheck => c !== null);
}

/** SQL condition: the rule would change this row (the same conditions as its UPDATE). */
function changesSql(s: Stmt, rule: SanitizationRule): string {
  if (rule.function === 'truncate_table') return 'TRUE';
  const fn = rule.function;
  return isValueFunction(fn) ? needsSql(s, fn, col(rule.column as string)) : unmaskedSql(s, rule);
}

/**
 * Read-only, on the source: the rows each rule would change (or why it would be skipped).
 * `context()` gives a fresh estimate context per rule (its `approximate` tells a planner estimate).
 */
export async function countRules(
  context: () => EstimateContext & { readonly approximate: boolean },
  rules: readonly SanitizationRule[],
): Promise<RuleImpact[]> {
  if (rules.length === 0) return [];
  const first = context();
  const cols = await loadColumns(first, rules.map((r) => r.table));
  const out: RuleImpact[] = [];
  for (const [index, rule] of rules.entries()) {
    const base = { rule_index: index, table: rule.table, column: rule.column ?? null, function: rule.function };
    const why = missing(cols, rule);
    const bad = why ? null : misfit(cols, rule);
    if (why || bad) {
      out.push({ ...base, rows: 0, approximate: false, skipped_reason: why ? `skipped: ${why}` : `would fail: ${bad}` });
      continue;
    }
    const ctx = context();
    const s = new Stmt();
    const select = `SELECT 1 FROM ONLY ${quoteIdent(rule.table)} t WHERE (${filterSql(s, rule.filter)}) AND ${changesSql(s, rule)}`;
    await ctx.query('SAVEPOINT oec_rule_estimate');
    try {
      const rows = await ctx.count(rule.table, select, s.values);
      await ctx.query('RELEASE SAVEPOINT oec_rule_estimate');
      out.push({ ...base, rows, approximate: ctx.approximate, skipped_reason: null });
    } catch (e) {
      const code = sqlState(e);
      await ctx.query('ROLLBACK TO SAVEPOINT oec_rule_estimate');
      await ctx.query('RELEASE SAVEPOINT oec_rule_estimate');
      // a timeout, or a filter literal the column's type does not take ("abc" for an integer)
      if (code !== QUERY_CANCELED && !(code && MISSING_OBJECT_CODES.has(code)) && !code?.startsWith('22')) throw e;
      out.push({ ...base, rows: 0, approximate: true, skipped_reason: `not counted: ${(e as Error).message}` });
    }
  }
  return out;
}
