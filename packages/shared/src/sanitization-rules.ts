// Custom sanitization rules of a project: a table, a column and a masking function from a fixed
// catalogue, optionally limited by a small structured filter (column, operator, literal; ANDed).
// Never raw SQL: table and column names must match SQL_IDENTIFIER_RE, operators come from a
// closed list, and every literal travels as a bind parameter on the agent.
import { z } from 'zod';
import { sqlIdentifierSchema } from './identifiers.js';

export const RULE_FUNCTIONS = [
  'pseudonym_email',
  'pseudonym_phone',
  'fake_name',
  'fake_address',
  'constant',
  'null',
  'hash',
  'keep_domain_email',
  'truncate_table',
] as const;
export type RuleFunction = (typeof RULE_FUNCTIONS)[number];
export const ruleFunctionSchema = z.enum(RULE_FUNCTIONS);

/** What each function does, for the dashboard, the CLI and the OpenAPI document. */
export const RULE_FUNCTION_LABELS: Record<RuleFunction, string> = {
  pseudonym_email: 'keyed pseudonym email (as anonymize_emails)',
  pseudonym_phone: 'keyed pseudonym phone (as anonymize_phones)',
  fake_name: 'keyed fake name "Person XXXXXX"',
  fake_address: 'keyed fake street "Street XXXXXX" (as anonymize_addresses)',
  constant: 'a constant value (`value`)',
  null: 'NULL',
  hash: 'keyed HMAC-SHA256 hex of the value',
  keep_domain_email: 'pseudonym local part, original domain',
  truncate_table: 'empty the table (no column)',
};

/** The functions that replace a text value by another one computed from it. */
export const VALUE_RULE_FUNCTIONS: readonly RuleFunction[] = [
  'pseudonym_email',
  'pseudonym_phone',
  'fake_name',
  'fake_address',
  'hash',
  'keep_domain_email',
];

export const FILTER_OPS = ['=', '!=', '<', '<=', '>', '>=', 'is_null', 'is_not_null', 'like', 'in'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/** Most conditions in one rule's filter, most values in one `in` list, most rules per project. */
export const MAX_FILTER_CONDITIONS = 10;
export const MAX_IN_VALUES = 100;
export const MAX_RULES = 200;
/** Longest literal (filter value or constant). */
export const MAX_LITERAL_LENGTH = 1000;

const literal = z.union([z.string().max(MAX_LITERAL_LENGTH), z.number().finite(), z.boolean()]);

export const ruleConditionSchema = z.discriminatedUnion('op', [
  z.object({ column: sqlIdentifierSchema, op: z.enum(['=', '!=', '<', '<=', '>', '>=']), value: literal }).strict(),
  z.object({ column: sqlIdentifierSchema, op: z.literal('like'), value: z.string().max(MAX_LITERAL_LENGTH) }).strict(),
  z
    .object({
      column: sqlIdentifierSchema,
      op: z.literal('in'),
      value: z.array(z.union([z.string().max(MAX_LITERAL_LENGTH), z.number().finite()])).min(1).max(MAX_IN_VALUES),
    })
    .strict(),
  z.object({ column: sqlIdentifierSchema, op: z.enum(['is_null', 'is_not_null']) }).strict(),
]);
export type RuleCondition = z.infer<typeof ruleConditionSchema>;

export const sanitizationRuleSchema = z
  .object({
    table: sqlIdentifierSchema,
    /** The column masked; omitted for truncate_table. */
    column: sqlIdentifierSchema.optional(),
    function: ruleFunctionSchema,
    /** constant only: the value written (as a bind parameter, cast to the column's type). */
    value: z.string().max(MAX_LITERAL_LENGTH).optional(),
    /** Rows the rule applies to: every condition holds (AND). Omitted: every row. */
    filter: z.array(ruleConditionSchema).max(MAX_FILTER_CONDITIONS).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.function === 'truncate_table') {
      if (r.column !== undefined) ctx.addIssue({ code: 'custom', path: ['column'], message: 'truncate_table takes no column' });
    } else if (r.column === undefined) {
      ctx.addIssue({ code: 'custom', path: ['column'], message: `${r.function} needs a column` });
    }
    if (r.function === 'constant' && r.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'constant needs a value' });
    if (r.function !== 'constant' && r.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'only constant takes a value' });
  });
export type SanitizationRule = z.infer<typeof sanitizationRuleSchema>;

export const sanitizationRulesSchema = z.array(sanitizationRuleSchema).max(MAX_RULES);

/** An Odoo model name (`hr.employee`, `res.partner`): lower-case words joined by dots. */
export const ODOO_MODEL_RE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;
/** Most sensitive models per project. */
export const MAX_SENSITIVE_MODELS = 100;

/**
 * The models whose attachments (avatars and other binary fields, documents) the option
 * replace_sensitive_attachments replaces by placeholders. Duplicates are dropped, order kept.
 */
export const sensitiveModelsSchema = z
  .array(z.string().max(128).regex(ODOO_MODEL_RE, 'must be an Odoo model name such as hr.employee'))
  .max(MAX_SENSITIVE_MODELS)
  .transform((models) => [...new Set(models)]);

/**
 * PUT /projects/{id}/sanitization-rules: the whole list of rules, replacing the previous one, and
 * optionally the sensitive models (replaced whole too; omitted: the stored list is kept, so a
 * client that only knows the rules does not erase them).
 */
export const putSanitizationRulesSchema = z.object({ rules: sanitizationRulesSchema, sensitive_models: sensitiveModelsSchema.optional() }).strict();
export type PutSanitizationRules = z.infer<typeof putSanitizationRulesSchema>;

/** GET / PUT answer. */
export const sanitizationRulesResponseSchema = z.object({
  project_id: z.string().uuid(),
  rules: sanitizationRulesSchema,
  sensitive_models: sensitiveModelsSchema,
  updated_at: z.string().nullable(),
});
export type SanitizationRulesResponse = z.infer<typeof sanitizationRulesResponseSchema>;

/** `table.column` a rule covers (null for truncate_table, which covers every column of its table). */
export function ruleTarget(r: Pick<SanitizationRule, 'table' | 'column'>): string {
  return r.column ? `${r.table}.${r.column}` : `${r.table}.*`;
}

/** Whether a rule masks `table.column` (truncate_table masks every column of its table). */
export function ruleCovers(rules: readonly SanitizationRule[], table: string, column: string): boolean {
  return rules.some((r) => r.table === table && (r.function === 'truncate_table' || r.column === column));
}

/** One rule's outcome in a clone: rows changed, or skipped with the reason. */
export const ruleResultSchema = z.object({
  rule_index: z.number().int().nonnegative(),
  table: z.string(),
  column: z.string().nullable(),
  function: ruleFunctionSchema,
  skipped: z.boolean(),
  /** Why it was skipped (a missing table or column), else null. */
  reason: z.string().nullable(),
  affected_rows: z.number().int().nonnegative(),
  duration_ms: z.number().nonnegative(),
  /**
   * COPY path: true when the rule was applied to the rows as they were copied (its duration is
   * then part of the copy's), false when it ran as SQL after the load; absent on the dump path.
   */
  in_stream: z.boolean().optional(),
});
export type RuleResult = z.infer<typeof ruleResultSchema>;

/** `12 records, in the stream` / `skipped (table x not present)`: one rule's outcome for people. */
export function describeRuleOutcome(r: RuleResult): string {
  if (r.skipped) return `skipped (${r.reason ?? ''})`;
  const where = r.in_stream === undefined ? '' : r.in_stream ? ', in the stream' : ', after the load';
  return `${r.affected_rows} records${where}`;
}

/** One rule's estimated impact on the source. */
export const ruleImpactSchema = z.object({
  rule_index: z.number().int().nonnegative(),
  table: z.string(),
  column: z.string().nullable(),
  function: ruleFunctionSchema,
  rows: z.number().nonnegative(),
  approximate: z.boolean(),
  /** Null when counted; the reason when the rule would be skipped or could not be counted. */
  skipped_reason: z.string().nullable(),
});
export type RuleImpact = z.infer<typeof ruleImpactSchema>;

/** One rule's proof check: the rows where it applies that still hold an unmasked value. */
export const ruleProofCheckSchema = z.object({
  rule_index: z.number().int().nonnegative(),
  check: z.string(),
  passed: z.boolean(),
  violations: z.number().int().nonnegative(),
  detail: z.string().nullable(),
});
export type RuleProofCheck = z.infer<typeof ruleProofCheckSchema>;
