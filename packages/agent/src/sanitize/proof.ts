// Running the proof: each check is one query counting the rows that violate an option's
// guarantee, run inside the sanitizing transaction before COMMIT, each in its own savepoint. A
// check whose tables do not exist passes as "not applicable" (nothing there can leak).
import type pg from 'pg';
import type { Proof, ProofCheck, SanitizationOptionKey } from '@oec/shared';
import { throwIfAborted } from './context.js';
import type { SchemaInfo } from './schema-info.js';
import type { CheckSpec } from './types.js';

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

export async function runProof(
  client: pg.ClientBase,
  schema: SchemaInfo,
  planned: ReadonlyArray<PlannedCheck | ProofCheck>,
  signal?: AbortSignal,
): Promise<Proof> {
  const checks: ProofCheck[] = [];
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
    throwIfAborted(signal);
    await client.query('SAVEPOINT oec_check');
    try {
      const { rows } = await client.query<{ violations: number | string }>(spec.sql, [...(spec.values ?? [])]);
      await client.query('RELEASE SAVEPOINT oec_check');
      const violations = Number(rows[0]?.violations ?? 0);
      checks.push({
        option_key,
        check: spec.check,
        passed: violations === 0,
        violations,
        detail: violations === 0 ? null : `${violations} violating row${violations === 1 ? '' : 's'}`,
      });
    } catch (e) {
      const code = sqlState(e);
      if (!code || !MISSING_OBJECT_CODES.has(code)) throw e;
      await client.query('ROLLBACK TO SAVEPOINT oec_check');
      await client.query('RELEASE SAVEPOINT oec_check');
      checks.push({ option_key, check: spec.check, passed: true, violations: 0, detail: `not applicable: ${(e as Error).message}` });
    }
  }
  return { passed: checks.every((c) => c.passed), checks, checked_at: new Date().toISOString() };
}
