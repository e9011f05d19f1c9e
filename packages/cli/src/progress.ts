// Following an operation: on a TTY one progress line rewritten in place (step n/10, name, %,
// elapsed, ETA, and what sanitizing works on while there is room; never wider than 80 columns); otherwise one line per step as each step ends, in
// step order (steps 5–8 overlap; the order keeps the output stable for scripts). Then the result:
// the sanitization summary of a completed clone, or the failed step and error.
import { cloneOperationSchema, currentWorkLine, describeRuleOutcome, ERROR_META, SANITIZATION_OPTIONS, STEPS, TERMINAL_STATUSES } from '@oec/shared';
import type { CloneOperation, StepState } from '@oec/shared';
import type { Api } from './api.js';

const MAX_WIDTH = 80;
const ENDED = new Set<StepState['status']>(['completed', 'skipped', 'failed', 'cancelled']);

export interface Output {
  out(line: string): void;
  /** Rewrite the current line (TTY only). */
  redraw?(line: string): void;
  columns: number;
}

export function isTerminal(op: CloneOperation): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(op.status);
}

export function clock(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function progressLine(op: CloneOperation, columns = MAX_WIDTH): string {
  const width = Math.max(20, Math.min(MAX_WIDTH, columns) - 1);
  const p = op.progress;
  const index = p.current_step ? STEPS.findIndex((s) => s.key === p.current_step) : 0;
  const step = STEPS[index] ?? STEPS[0];
  const tail = ` ${p.progress_percent.toFixed(1).padStart(5)}% ${clock(p.elapsed_seconds)} ETA ${clock(p.eta_seconds)}`;
  const barWidth = 12;
  const filled = Math.round((p.progress_percent / 100) * barWidth);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
  const now = p.steps.find((s) => s.key === step.key)?.detail;
  const work = now ? currentWorkLine(now) : null;
  let head = `${bar} ${index + 1}/${STEPS.length} ${step.name}${work ? ` · ${work}` : ''}`;
  const room = width - tail.length;
  if (head.length > room) head = head.slice(0, Math.max(0, room));
  return `${head.padEnd(room)}${tail}`;
}

export function stepLine(s: StepState, index: number): string {
  const took = s.duration_seconds !== null && s.status === 'completed' ? ` (${clock(s.duration_seconds)})` : '';
  return `[${index + 1}/${STEPS.length}] ${s.name}: ${s.status}${took}`;
}

export function summaryLines(op: CloneOperation): string[] {
  const lines: string[] = [];
  const took = `in ${clock(op.duration_seconds)}`;
  if (op.status === 'completed') {
    lines.push(`Clone completed ${took}: ${op.target.name} is ${op.target.status} at ${op.target.url}`);
    const ran = op.sanitization_result.filter((r) => !r.skipped);
    if (op.sanitization_result.length) {
      lines.push(`Sanitization (${op.sanitization_preset}):`);
      for (const r of op.sanitization_result) {
        const label = SANITIZATION_OPTIONS.find((o) => o.key === r.option_key)?.label ?? r.option_key;
        const what = r.skipped ? `skipped${r.warning ? ` (${r.warning})` : ''}` : `${r.affected_rows} records`;
        lines.push(`  ${r.success ? 'ok  ' : 'FAIL'} ${label.padEnd(26)} ${what}`);
      }
      lines.push(`Total records affected: ${ran.reduce((n, r) => n + r.affected_rows, 0)}`);
    } else {
      lines.push(`Sanitization (${op.sanitization_preset}): nothing to do`);
    }
    if (op.sanitization_rule_results.length) {
      lines.push('Custom rules:');
      for (const r of op.sanitization_rule_results) {
        const target = `${r.table}${r.column ? `.${r.column}` : ''}`;
        lines.push(`  ${String(r.rule_index).padStart(3)} ${r.function.padEnd(18)} ${target.padEnd(32)} ${describeRuleOutcome(r)}`);
      }
    }
    if (op.proof) lines.push(`Proof: ${op.proof.passed ? 'passed' : 'FAILED'} (${op.proof.checks.length + (op.proof.rule_checks?.length ?? 0)} checks)`);
    if (op.generated_password) lines.push(`Generated password for all users: ${op.generated_password}`);
  } else if (op.status === 'cancelled') {
    lines.push(`Clone cancelled ${took}; cleanup ${op.cleanup}`);
    const hint = retryHint(op);
    if (hint) lines.push(hint);
  } else {
    const e = op.error;
    const at = e?.step ? ` at step ${STEPS.findIndex((s) => s.key === e.step) + 1}/${STEPS.length} (${e.step})` : '';
    lines.push(`Clone failed${at} ${took}: ${e ? `${e.code}: ${e.message}` : 'unknown error'}`);
    const hint = retryHint(op);
    if (hint) lines.push(hint);
  }
  return lines;
}

/**
 * How to retry, as the API decides it: `error.retryable` is what POST …/retry accepts now (the
 * cleanup is over); the code's own flag says whether repeating as is may succeed.
 */
export function retryHint(op: Pick<CloneOperation, 'id' | 'error' | 'cleanup'>): string | null {
  const e = op.error;
  if (!e) return null;
  if (!e.retryable) return op.cleanup === 'pending' ? `Cleaning up; then retry with: oec retry ${op.id}` : null;
  return ERROR_META[e.code].retryable ? `Retry with: oec retry ${op.id}` : `Fix the cause first, then retry with: oec retry ${op.id}`;
}

export interface WatchOptions {
  pollMs: number;
  /** Print progress (false with --json). */
  show: boolean;
}

/** Poll the operation until it ends, showing its progress; returns the final object. */
export async function watchOperation(api: Api, id: string, io: Output, opts: WatchOptions): Promise<CloneOperation> {
  let printed = 0;
  const flushSteps = (op: CloneOperation) => {
    const steps = op.progress.steps;
    while (printed < steps.length) {
      const s = steps[printed];
      if (!s || !ENDED.has(s.status)) break;
      io.out(stepLine(s, printed));
      printed++;
    }
  };
  for (;;) {
    const op = await api.get(`/clone-operations/${id}`, cloneOperationSchema);
    const done = isTerminal(op);
    if (opts.show) {
      if (io.redraw) {
        if (done) io.redraw('');
        flushSteps(op);
        if (!done) io.redraw(progressLine(op, io.columns));
      } else {
        flushSteps(op);
      }
    }
    if (done) {
      if (opts.show) {
        // Steps left pending after a failure or cancel are not printed: the summary says where it stopped.
        for (const line of summaryLines(op)) io.out(line);
      }
      return op;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}
