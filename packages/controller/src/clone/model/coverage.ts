// The coverage gate: which of the source's personal columns the chosen options leave as they
// are, minus the columns the project marked as kept on purpose.
import { columnRef, coverageSummary, ruleCovers, type PersonalColumn, type PersonalCoverage, type SanitizationRule } from '@oec/shared';

export function personalCoverageOf(columns: readonly PersonalColumn[], kept: readonly string[], rules: readonly SanitizationRule[] = []): PersonalCoverage {
  const keptSet = new Set(kept);
  // a custom rule on `table.column` (or truncate_table on the table) covers it, whatever the agent said
  columns = columns.map((c) => (!c.covered && ruleCovers(rules, c.table, c.column) ? { ...c, covered: true } : c));
  const uncovered = columns.filter((c) => !c.covered && !keptSet.has(columnRef(c)));
  return {
    columns: [...columns],
    uncovered,
    kept: columns.filter((c) => !c.covered && keptSet.has(columnRef(c))).map(columnRef),
    summary: coverageSummary(uncovered),
  };
}
