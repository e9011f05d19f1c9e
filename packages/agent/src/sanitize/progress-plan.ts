// What a sanitizing run will read, as progress units weighed in rows (progress.ts): the capture,
// each option, the custom rules and the proof. The weights are estimates from the statistics
// (pg_class.reltuples): they make the bar advance with the work, not with the count of options.
import type { SanitizationRule } from '@oec/shared';
import { columnRules } from './personal/engine.js';
import type { PersonalMap } from './personal/map.js';
import type { ProgressUnit } from './progress.js';
import type { SanitizeOption } from './types.js';

export interface ProgressPlanInput {
  options: readonly SanitizeOption[];
  /** Rows per table (ranges.ts tableRows). */
  rows: ReadonlyMap<string, number>;
  /** The personal data map when personal options run. */
  personal: PersonalMap | null;
  /** Which options are personal ones (their tables come from the map). */
  isPersonal: (key: SanitizeOption['key']) => boolean;
  /** The personal columns were masked in stream: the SQL left for them is Odoo's derived columns. */
  personalInStream: boolean;
  rules: readonly SanitizationRule[];
}

/**
 * The tables each option's passes read, a table once per pass: its own `scans`, then, for a
 * personal one, each table of the map it rewrites (anonymize_emails reads mail_message twice).
 */
function optionTables(o: SanitizeOption, i: ProgressPlanInput): string[] {
  const out = [...(o.scans ?? [])];
  if (i.personal && !i.personalInStream && i.isPersonal(o.key)) out.push(...new Set(columnRules(i.personal, o.key, true).map((r) => r.table)));
  return out;
}

export function progressUnits(i: ProgressPlanInput): ProgressUnit[] {
  const rowsOf = (tables: Iterable<string>): number => [...tables].reduce((n, t) => n + (i.rows.get(t) ?? 0), 0);
  const personalTables = new Set<string>();
  if (i.personal && !i.personalInStream) {
    for (const c of i.personal.columns) personalTables.add(c.table);
    for (const c of i.personal.textColumns) personalTables.add(c.table);
  }
  const read = new Set<string>(personalTables);
  const units: ProgressUnit[] = [{ key: 'capture', rows: rowsOf(personalTables) }];
  for (const o of i.options) {
    const tables = optionTables(o, i);
    for (const t of tables) read.add(t);
    units.push({ key: o.key, rows: rowsOf(tables) });
  }
  const ruleTables = new Set(i.rules.map((r) => r.table));
  for (const t of ruleTables) read.add(t);
  units.push({ key: 'custom_rules', rows: i.rules.length > 0 ? rowsOf(ruleTables) : 0 });
  // the proof reads what the options wrote, and searches the personal tables by value
  units.push({ key: 'proof', rows: rowsOf(read) });
  return units;
}
