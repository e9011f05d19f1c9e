// A terminal view of a clone operation: a progress bar with the current step while it runs, the
// operation's log lines as they come, and the seed's sanitization summary at the end.
import type { CloneOperation, LogsResponse, SanitizationResult } from '@oec/shared';
import { SANITIZATION_OPTIONS, STEPS } from '@oec/shared';
import type { Api } from './api.js';
import { TERMINAL } from './operations.js';

const LABEL: Record<string, string> = Object.fromEntries(SANITIZATION_OPTIONS.map((o) => [o.key, o.label]));

function bar(percent: number, width = 30): string {
  const full = Math.round((percent / 100) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

function fmtSeconds(s: number | null): string {
  if (s === null) return '?';
  return s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} sec` : `${Math.round(s)} sec`;
}

/** Follow an operation until it ends, writing progress and logs to `out`. */
export async function followOperation(api: Api, id: string, out: NodeJS.WritableStream = process.stdout): Promise<CloneOperation> {
  let cursor = 0;
  const tty = 'isTTY' in out && out.isTTY === true;
  for (;;) {
    const op = await api.ok<CloneOperation>('GET', `/clone-operations/${id}`);
    const logs = await api.ok<LogsResponse>('GET', `/clone-operations/${id}/logs?after=${cursor}`);
    cursor = logs.next_cursor;
    if (tty) out.write('\r\x1b[2K');
    for (const l of logs.items) out.write(`[${l.ts.slice(0, 19).replace('T', ' ')}] ${l.level.padEnd(7)} ${l.message}\n`);
    const step = op.progress.steps.find((s) => s.status === 'in_progress');
    const index = step ? STEPS.findIndex((s) => s.key === step.key) + 1 : 0;
    const line = `${bar(op.progress.progress_percent)} ${op.progress.progress_percent.toFixed(0).padStart(3)}%  ${
      step ? `Step ${index} of 10: ${step.name}` : op.status
    }  elapsed ${fmtSeconds(op.progress.elapsed_seconds)}  eta ${fmtSeconds(op.progress.eta_seconds)}`;
    if (tty) out.write(line);
    else if (logs.items.length > 0 || TERMINAL.has(op.status)) out.write(`${line}\n`);
    if (TERMINAL.has(op.status) && op.cleanup !== 'pending') {
      if (tty) out.write('\n');
      return op;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The seed's "Sanitization Results" block. */
export function sanitizationSummary(op: CloneOperation): string {
  const lines = [`Sanitization applied: ${op.sanitization_preset} preset`];
  let total = 0;
  for (const r of op.sanitization_result) {
    lines.push(resultLine(r));
    total += r.affected_rows;
  }
  const ms = op.sanitization_result.reduce((s, r) => s + r.duration_ms, 0);
  lines.push(`Total records affected: ${total}`, `Sanitization duration: ${(ms / 1000).toFixed(1)} s`);
  if (op.proof) lines.push(`Proof: ${op.proof.passed ? 'passed' : 'FAILED'} (${op.proof.checks.length} checks)`);
  return lines.join('\n');
}

function resultLine(r: SanitizationResult): string {
  const mark = r.skipped ? '–' : r.success ? '✓' : '✗';
  const note = r.skipped ? ` (skipped: ${r.warning ?? ''})` : r.warning ? ` (${r.warning})` : '';
  return `  ${mark} ${LABEL[r.option_key] ?? r.option_key}: ${r.affected_rows} records${note}`;
}
