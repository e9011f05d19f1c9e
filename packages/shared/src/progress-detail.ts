// What a running step works on, as one short line for the dashboard and the CLI:
// "anonymize_emails · mail_message 120,000 / 460,000 rows" (sanitizing reports it, StepDetail.current).
import type { StepDetail } from './api/clone.js';

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The option (or phase) and table a step is on, with the table's rows done of its estimate; null when it reports none. */
export function currentWorkLine(detail: Pick<StepDetail, 'current'>): string | null {
  const c = detail.current;
  if (!c) return null;
  const parts = [c.option];
  if (c.table) parts.push(c.rows_total ? `${c.table} ${count(c.rows_done ?? 0)} / ${count(c.rows_total)} rows` : c.table);
  return parts.join(' · ');
}
