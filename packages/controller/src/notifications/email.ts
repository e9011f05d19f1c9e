// The clone-ended email: source and target, duration, the sanitization summary (completed) or
// the failed step and error, and a link to the operation in the dashboard. Plain text.
import { ERROR_META, SANITIZATION_OPTIONS, STEPS } from '@oec/shared';
import type { CloneOperation } from '@oec/shared';

export interface EmailContent {
  subject: string;
  text: string;
}

function duration(seconds: number | null): string {
  if (seconds === null) return 'unknown';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m ? `${m} min ${s} s` : `${s} s`;
}

export function operationLink(publicUrl: string | null, id: string): string {
  return publicUrl ? `${publicUrl}/clone-operations/${id}` : `/api/v1/clone-operations/${id}`;
}

export function cloneEndedEmail(op: CloneOperation, sourceName: string, publicUrl: string | null): EmailContent {
  const word = op.status === 'completed' ? 'completed' : op.status === 'cancelled' ? 'cancelled' : 'failed';
  const lines = [
    `Your clone operation ${word}.`,
    '',
    `Source:    ${sourceName}`,
    `Target:    ${op.target.name} (${op.mode === 'replace' ? 'replaced' : 'new environment'}) ${op.target.url}`,
    `Status:    ${op.status}`,
    `Duration:  ${duration(op.duration_seconds)}`,
    '',
  ];
  if (op.status === 'completed') {
    lines.push(`Sanitization applied: ${op.sanitization_preset} preset`);
    let total = 0;
    for (const r of op.sanitization_result) {
      const label = SANITIZATION_OPTIONS.find((o) => o.key === r.option_key)?.label ?? r.option_key;
      total += r.skipped ? 0 : r.affected_rows;
      lines.push(`  ${r.skipped ? '-' : r.success ? 'ok' : 'FAILED'} ${label}: ${r.skipped ? `skipped${r.warning ? ` (${r.warning})` : ''}` : `${r.affected_rows} records`}`);
    }
    lines.push(`Total records affected: ${total}`);
    if (op.proof) lines.push(`Proof: ${op.proof.passed ? 'passed' : 'failed'} (${op.proof.checks.length} checks)`);
  } else if (op.error) {
    const n = op.error.step ? STEPS.findIndex((s) => s.key === op.error?.step) + 1 : 0;
    if (op.error.step) lines.push(`Stopped at step ${n}/10: ${STEPS[n - 1]?.name ?? op.error.step}`);
    lines.push(`Error: ${op.error.code}: ${op.error.message}`);
    // Whether repeating as is may help is the code's (the mail may leave before the cleanup ends,
    // while error.retryable is still false); either way the retry is accepted once it has.
    if (op.status === 'failed') {
      lines.push(
        ERROR_META[op.error.code].retryable
          ? 'This failure may be temporary: retrying it as is may succeed.'
          : 'Retrying as is would likely fail again: fix the cause first, then retry.',
      );
    }
  }
  lines.push('', `Operation: ${operationLink(publicUrl, op.id)}`, '');
  return { subject: `[OEC] Clone ${word}: ${sourceName} -> ${op.target.name}`, text: lines.join('\n') };
}
