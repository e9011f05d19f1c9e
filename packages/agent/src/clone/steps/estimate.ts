// The impact preview of a clone request, read-only on the source: per option the rows it would
// touch ("~247 customer emails will be anonymized"), the total, the credentials found, and the
// personal data map (which columns look personal, and whether the chosen options cover them).
// Every query runs in a read-only transaction with a statement timeout; big tables use planner
// estimates (sanitize/estimate.ts).
import type { CloneEstimateOutput, EnvironmentRef, SanitizationOptions, SanitizationRule } from '@oec/shared';
import { countApiKeys, estimateImpact, estimateRules, personalColumns } from '../../sanitize/index.js';
import type { TaskContext } from '../../tasks/types.js';

const STATEMENT_TIMEOUT_MS = 15_000;

export async function estimateClone(
  input: EnvironmentRef & { options: SanitizationOptions; custom_rules?: SanitizationRule[]; sensitive_models?: string[] },
  ctx: TaskContext,
): Promise<CloneEstimateOutput> {
  return ctx.runtime.withDatabase(input.db_name, async (client) => {
    const impact = await estimateImpact(client, input.options, { statementTimeoutMs: STATEMENT_TIMEOUT_MS, sensitiveModels: input.sensitive_models ?? [] });
    const apiKeys = await countApiKeys(client, { statementTimeoutMs: STATEMENT_TIMEOUT_MS });
    const rules = input.custom_rules ?? [];
    const columns = await personalColumns(client, input.options, { statementTimeoutMs: STATEMENT_TIMEOUT_MS }, rules);
    const ruleImpact = await estimateRules(client, rules, { statementTimeoutMs: STATEMENT_TIMEOUT_MS });
    return {
      impact,
      total_records: impact.reduce((sum, i) => sum + i.rows, 0),
      api_keys_found: apiKeys,
      personal_columns: columns,
      rule_impact: ruleImpact,
    };
  });
}
