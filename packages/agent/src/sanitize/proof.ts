// Running the proof inside the sanitizing transaction, before COMMIT: each check counts the rows
// that violate an option's guarantee. The checks that count one table's rows (`CheckSpec.rows`)
// are counted together, one pass over each table (`count(*) FILTER (WHERE …)` per check); the
// others run their own query. Each query runs in its own savepoint. A check whose tables do not
// exist passes as "not applicable" (nothing there can leak); a pass that fails on a missing table
// or column is counted again check by check, so that only the check that read it is not applicable.
import type pg from 'pg';
import type { Proof, ProofCheck, SanitizationOptionKey } from '@oec/shared';
import { throwIfAborted } from './context.js';
import { quoteIdent } from './personal/map.js';
import type { SchemaInfo } from './schema-info.js';
import { Stmt } from './sql.js';
import type { CheckSpec, TableRows } from './types.js';

export interface PlannedCheck {
  option_key: SanitizationOptionKey;
  spec: CheckSpec;
}

/** SQLSTATEs of a missing table / column. */
export const MISSING_OBJECT_CODES: ReadonlySet<string> = new Set(['42P01', '42703']);

export function sqlState(e: unknown): string | undefined {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

function notApplicable(schema: SchemaInfo, spec: CheckSpec): string | null {
  for (const [table, ...columns] of spec.requires) {
    if (!schema.hasTable(table)) return `not applicable: table ${table} not present`;
    const col = schema.missing(table, columns);
    if (col) return `not applicable: column ${table}.${col} not present`;
  }
  return null;
}

/** The select-list entry of one table check: its violations. */
function countSql(s: Stmt, rows: TableRows): string {
  const where = rows.where?.(s);
  const matching = where === undefined ? 'count(*)' : `count(*) FILTER (WHERE ${where})`;
  return rows.mustExist ? `CASE WHEN ${matching} > 0 THEN 0 ELSE 1 END` : matching;
}

/** One pass over a table: every check's violations as `c0`, `c1`, … */
export function passSql(checks: readonly TableRows[]): { sql: string; values: unknown[] } {
  const first = checks[0];
  if (!first) throw new Error('passSql: no check');
  const s = new Stmt();
  const counts = checks.map((c, i) => `(${countSql(s, c)})::int AS c${i}`);
  const alias = checks.find((c) => c.alias !== undefined)?.alias ?? first.table;
  const from = `${first.only ? 'ONLY ' : ''}${quoteIdent(first.table)} ${quoteIdent(alias)}`;
  return { sql: `SELECT ${counts.join(', ')} FROM ${from}`, values: s.values };
}

interface Pass {
  table: string;
  only: boolean;
  /** The alias of its aliased checks (undefined while it has only unqualified ones). */
  alias: string | undefined;
  items: Array<{ at: number; option_key: SanitizationOptionKey; check: string; rows: TableRows }>;
}

/** The pass of the table a check joins: the first whose alias fits, else a new one. */
function passFor(passes: Pass[], rows: TableRows): Pass {
  const only = rows.only ?? false;
  const fits = passes.find((p) => p.table === rows.table && p.only === only && (rows.alias === undefined || p.alias === undefined || p.alias === rows.alias));
  const pass = fits ?? { table: rows.table, only, alias: undefined, items: [] };
  if (!fits) passes.push(pass);
  pass.alias ??= rows.alias;
  return pass;
}

/** A check's violations, or why it is not applicable (a table or column it reads is missing). */
type Violations = { violations: number } | { missing: string };

/** Run one query in a savepoint: its first row, or the message of a missing table or column. */
async function inSavepoint(client: pg.ClientBase, sql: string, values: readonly unknown[]): Promise<{ row: Record<string, unknown> } | { missing: string }> {
  await client.query('SAVEPOINT oec_check');
  try {
    const { rows } = await client.query<Record<string, unknown>>(sql, [...values]);
    await client.query('RELEASE SAVEPOINT oec_check');
    return { row: rows[0] ?? {} };
  } catch (e) {
    const code = sqlState(e);
    if (!code || !MISSING_OBJECT_CODES.has(code)) throw e;
    await client.query('ROLLBACK TO SAVEPOINT oec_check');
    await client.query('RELEASE SAVEPOINT oec_check');
    return { missing: (e as Error).message };
  }
}

function counted(option_key: SanitizationOptionKey, check: string, result: Violations): ProofCheck {
  if ('missing' in result) return { option_key, check, passed: true, violations: 0, detail: `not applicable: ${result.missing}` };
  const { violations } = result;
  return {
    option_key,
    check,
    passed: violations === 0,
    violations,
    detail: violations === 0 ? null : `${violations} violating row${violations === 1 ? '' : 's'}`,
  };
}

async function ownQuery(client: pg.ClientBase, sql: string, values: readonly unknown[] = []): Promise<Violations> {
  const r = await inSavepoint(client, sql, values);
  return 'missing' in r ? r : { violations: Number(r.row.violations ?? 0) };
}

/** Count a table's checks in one pass; when it reads a missing object, each check alone. */
async function tablePass(client: pg.ClientBase, checks: readonly TableRows[]): Promise<Violations[]> {
  const { sql, values } = passSql(checks);
  const r = await inSavepoint(client, sql, values);
  if (!('missing' in r)) return checks.map((_, i) => ({ violations: Number(r.row[`c${i}`] ?? 0) }));
  if (checks.length === 1) return [r];
  const alone: Violations[] = [];
  for (const c of checks) alone.push(...(await tablePass(client, [c])));
  return alone;
}

export async function runProof(
  client: pg.ClientBase,
  schema: SchemaInfo,
  planned: ReadonlyArray<PlannedCheck | ProofCheck>,
  signal?: AbortSignal,
): Promise<Proof> {
  const checks: Array<ProofCheck | null> = [];
  const passes: Pass[] = [];
  for (const item of planned) {
    if (!('spec' in item)) {
      checks.push(item);
      continue;
    }
    const { option_key, spec } = item;
    const na = notApplicable(schema, spec);
    if (na) {
      checks.push({ option_key, check: spec.check, passed: true, violations: 0, detail: na });
      continue;
    }
    if (spec.rows) {
      // counted below with the table's other checks; its place in the list kept
      passFor(passes, spec.rows).items.push({ at: checks.length, option_key, check: spec.check, rows: spec.rows });
      checks.push(null);
      continue;
    }
    throwIfAborted(signal);
    checks.push(counted(option_key, spec.check, await ownQuery(client, spec.sql, spec.values ?? [])));
  }
  for (const pass of passes) {
    throwIfAborted(signal);
    const results = await tablePass(client, pass.items.map((p) => p.rows));
    pass.items.forEach((p, i) => {
      checks[p.at] = counted(p.option_key, p.check, results[i] ?? { violations: 0 });
    });
  }
  const done = checks.filter((c): c is ProofCheck => c !== null);
  return { passed: done.every((c) => c.passed), checks: done, checked_at: new Date().toISOString() };
}
