import { describe, expect, it } from 'vitest';
import { fieldErrors } from './errors.js';
import { describeRuleOutcome, putSanitizationRulesSchema, ruleCovers, sanitizationRuleSchema, type RuleResult, type SanitizationRule } from './sanitization-rules.js';

const paths = (v: unknown): string[] => {
  const r = putSanitizationRulesSchema.safeParse({ rules: [v] });
  return r.success ? [] : fieldErrors(r.error).map((f) => f.path);
};

describe('sanitization rules schema', () => {
  it('accepts every function of the catalogue in its shape', () => {
    for (const rule of [
      { table: 'res_partner', column: 'email', function: 'pseudonym_email' },
      { table: 'res_partner', column: 'ref', function: 'constant', value: "x'; DROP TABLE res_partner; --" },
      { table: 'x_log', function: 'truncate_table', filter: [{ column: 'create_date', op: '<', value: '2024-01-01' }] },
      { table: 'res_partner', column: 'phone', function: 'pseudonym_phone', filter: [{ column: 'id', op: 'in', value: [1, '2'] }, { column: 'active', op: '=', value: true }, { column: 'email', op: 'is_null' }] },
    ]) {
      expect(sanitizationRuleSchema.safeParse(rule).success, JSON.stringify(rule)).toBe(true);
    }
  });

  it('names the offending field', () => {
    expect(paths({ table: 'Res_Partner', column: 'email', function: 'null' })).toEqual(['rules.0.table']);
    expect(paths({ table: 'res_partner', column: 'e mail', function: 'null' })).toEqual(['rules.0.column']);
    expect(paths({ table: 'res_partner', column: 'email', function: 'shuffle' })).toEqual(['rules.0.function']);
    expect(paths({ table: 'res_partner', function: 'hash' })).toEqual(['rules.0.column']);
    expect(paths({ table: 'res_partner', column: 'email', function: 'constant' })).toEqual(['rules.0.value']);
    expect(paths({ table: 'res_partner', column: 'email', function: 'null', filter: [{ column: 'id', op: 'between', value: 1 }] })).toEqual(['rules.0.filter.0.op']);
  });

  it('covers table.column, and every column of a truncated table', () => {
    const rules: SanitizationRule[] = [
      { table: 'res_partner', column: 'x_email', function: 'hash' },
      { table: 'x_log', function: 'truncate_table' },
    ];
    expect(ruleCovers(rules, 'res_partner', 'x_email')).toBe(true);
    expect(ruleCovers(rules, 'res_partner', 'email')).toBe(false);
    expect(ruleCovers(rules, 'x_log', 'anything')).toBe(true);
  });

  it('describes an outcome, and where the rule ran on the COPY path', () => {
    const r: RuleResult = { rule_index: 0, table: 't', column: 'c', function: 'hash', skipped: false, reason: null, affected_rows: 3, duration_ms: 0 };
    expect(describeRuleOutcome(r)).toBe('3 records');
    expect(describeRuleOutcome({ ...r, in_stream: true })).toBe('3 records, in the stream');
    expect(describeRuleOutcome({ ...r, in_stream: false })).toBe('3 records, after the load');
    expect(describeRuleOutcome({ ...r, skipped: true, reason: 'table t not present', affected_rows: 0 })).toBe('skipped (table t not present)');
  });
});

describe('sensitive models', () => {
  const put = (sensitive_models: unknown) => putSanitizationRulesSchema.safeParse({ rules: [], sensitive_models });

  it('accepts Odoo model names, drops duplicates, and may be omitted', () => {
    expect(put(['hr.employee', 'res.partner', 'hr.employee', 'x_custom_model']).data?.sensitive_models).toEqual(['hr.employee', 'res.partner', 'x_custom_model']);
    expect(putSanitizationRulesSchema.parse({ rules: [] }).sensitive_models).toBeUndefined();
  });

  it('refuses anything that is not a model name, and more than 100', () => {
    for (const bad of ['Hr.Employee', 'hr..employee', '.hr', 'hr.employee.', "res.partner' OR 1=1", 'hr employee', '1hr', '']) {
      expect(put([bad]).success, bad).toBe(false);
    }
    expect(put(Array.from({ length: 101 }, (_, i) => `x_m${i}`)).success).toBe(false);
  });
});
