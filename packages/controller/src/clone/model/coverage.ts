// The coverage gate: which of the source's personal columns the chosen options leave as they
// are, minus the columns the project marked as kept on purpose.
import { columnRef, coverageSummary, type PersonalColumn, type PersonalCoverage } from '@oec/shared';

export function personalCoverageOf(columns: readonly PersonalColumn[], kept: readonly string[]): PersonalCoverage {
  const keptSet = new Set(kept);
  const uncovered = columns.filter((c) => !c.covered && !keptSet.has(columnRef(c)));
  return {
    columns: [...columns],
    uncovered,
    kept: columns.filter((c) => !c.covered && keptSet.has(columnRef(c))).map(columnRef),
    summary: coverageSummary(uncovered),
  };
}
