// SQL of custom sanitization rules: the masking expression of each function (the same values as
// rules/functions.ts computes in JavaScript), the structured filter as a WHERE condition, and the
// condition of a row the function changes. Identifiers are validated by the shared schema
// (SQL_IDENTIFIER_RE) and still quoted; every literal (filter values, the constant) is a bind
// parameter of its own, never SQL text.
import type { RuleCondition, RuleFunction } from '@oec/shared';
import type { KeyedHash } from '../keyed-hash.js';
import { quoteIdent } from '../personal/map.js';
import { ANON_DOMAIN, fakeEmailSql, fakeLabelSql, fakePhoneSql, hmacHexSql } from '../pseudonyms.js';
import { Stmt } from '../sql.js';
import { RULE_OUTPUT_RE } from './functions.js';

export type ValueFunction = Exclude<RuleFunction, 'truncate_table' | 'constant' | 'null'>;

export function isValueFunction(fn: RuleFunction): fn is ValueFunction {
  return fn !== 'truncate_table' && fn !== 'constant' && fn !== 'null';
}

/**
 * A placeholder of its own for `value` (never shared with another use of the same value: an
 * untyped parameter takes the type of the column it meets, and two columns may differ).
 */
export function param(s: Stmt, value: unknown): string {
  s.values.push(value);
  return `$${s.values.length}`;
}

/** `t."column"` */
export function col(column: string, alias = 't'): string {
  return `${alias}.${quoteIdent(column)}`;
}

/** SQL: the new value of a text expression under a value function (rules/functions.ts in SQL). */
export function maskSql(s: Stmt, k: KeyedHash, fn: ValueFunction, expr: string): string {
  switch (fn) {
    case 'pseudonym_email':
      return fakeEmailSql(s, k, `lower(btrim(${expr}))`);
    case 'pseudonym_phone':
      return fakePhoneSql(s, k, expr);
    case 'fake_name':
      return `(${s.v('Person ')}::text || upper(left(${hmacHexSql(s, k, 'person:', `lower(btrim(${expr}))`)}, 6)))`;
    case 'fake_address':
      return fakeLabelSql(s, k, 'Street', expr);
    case 'hash':
      return hmacHexSql(s, k, 'hash:', expr);
    case 'keep_domain_email':
      return (
        `('u' || left(${hmacHexSql(s, k, 'email:', `lower(btrim(${expr}))`)}, 20) || '@' || ` +
        `COALESCE(NULLIF(substring(btrim(${expr}) from '@([^@]*)$'), ''), ${s.v(ANON_DOMAIN.slice(1))}::text))`
      );
  }
}

/** SQL condition: a value function changes this value (not NULL, not blank, not already its form). */
export function needsSql(s: Stmt, fn: ValueFunction, expr: string): string {
  const form = RULE_OUTPUT_RE[fn];
  return `(${expr} IS NOT NULL AND btrim(${expr}) <> ''${form ? ` AND ${expr} !~ ${s.v(form)}` : ''})`;
}

const COMPARE: Record<'=' | '!=' | '<' | '<=' | '>' | '>=', string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

function conditionSql(s: Stmt, c: RuleCondition, alias: string): string {
  const x = col(c.column, alias);
  switch (c.op) {
    case 'is_null':
      return `${x} IS NULL`;
    case 'is_not_null':
      return `${x} IS NOT NULL`;
    case 'like':
      return `${x}::text LIKE ${param(s, c.value)}::text`;
    case 'in':
      // the array parameter takes the column's type: `{…}` of the column's element type
      return `${x} = ANY(${param(s, c.value.map(String))})`;
    default:
      return `${x} ${COMPARE[c.op]} ${param(s, typeof c.value === 'string' ? c.value : String(c.value))}`;
  }
}

/** SQL: the rule's filter (every condition, ANDed); `TRUE` without one. */
export function filterSql(s: Stmt, filter: readonly RuleCondition[] | undefined, alias = 't'): string {
  if (!filter || filter.length === 0) return 'TRUE';
  return filter.map((c) => `(${conditionSql(s, c, alias)})`).join(' AND ');
}

/**
 * `SELECT <what the rule's UPDATE writes for this text value> AS out`, its parameters bound: the
 * SQL side of the JavaScript functions in rules/functions.ts, for tests and tools comparing both.
 */
export function maskSelect(fn: Exclude<RuleFunction, 'truncate_table'>, k: KeyedHash, value: string | null, constant?: string): { text: string; values: unknown[] } {
  const s = new Stmt();
  const v = `${param(s, value)}::text`;
  let expr: string;
  // null and constant write the same whatever the value (the value is read all the same)
  if (fn === 'null') expr = `CASE WHEN ${v} IS NULL THEN NULL ELSE NULL END::text`;
  else if (fn === 'constant') expr = `(CASE WHEN ${v} IS NULL THEN ${param(s, constant ?? '')} ELSE ${param(s, constant ?? '')} END)::text`;
  else expr = `CASE WHEN ${needsSql(s, fn, v)} THEN ${maskSql(s, k, fn, v)} ELSE ${v} END`;
  return { text: `SELECT ${expr} AS out`, values: s.values };
}
