// Sanitizing's share of a same-server clone: the clone's agent tasks run in the controller's order
// (runner.ts: validate → prepare → addons → data → sanitize → verify), each timed on its own, and
// the sanitize task's own output (per-option duration_ms, totals.duration_ms) read as it comes
// back. Reported, never asserted: medians over runs of the clone's total, the sanitize step and
// its share, and of each option's time inside the sanitizer.
import type { ClonePlan, CloneSanitizeOutput } from '@oec/shared';
import type { AgentBench } from '@oec/test/clone';
import { median, timed } from './timing.js';

export const CLONE_STEPS = ['validate', 'prepare', 'addons', 'data', 'sanitize', 'verify'] as const;
export type CloneStep = (typeof CLONE_STEPS)[number];

/** One clone: seconds per step, and what the sanitize task returned. */
export interface CloneSample {
  steps: Record<CloneStep, number>;
  sanitized: CloneSanitizeOutput;
}

/** Run a whole same-server clone of `plan`, timing each task. */
export async function timedClone(bench: AgentBench, plan: ClonePlan): Promise<CloneSample> {
  let sanitized: CloneSanitizeOutput | null = null;
  const tasks: Record<CloneStep, () => Promise<unknown>> = {
    validate: () => bench.run('clone.validate', plan),
    prepare: () => bench.run('clone.prepare', plan),
    addons: () => bench.run('clone.addons', plan),
    data: () => bench.run('clone.data', plan),
    sanitize: async () => (sanitized = await bench.run('clone.sanitize', plan)),
    verify: () => bench.run('clone.verify', plan),
  };
  const steps = Object.fromEntries(CLONE_STEPS.map((s) => [s, 0])) as Record<CloneStep, number>;
  for (const s of CLONE_STEPS) steps[s] = await timed(async () => void (await tasks[s]()));
  if (!sanitized) throw new Error('clone.sanitize returned nothing');
  return { steps, sanitized };
}

export interface SanitizeShare {
  runs: number;
  /** Median of the clone's total (every step). */
  clone_seconds: number;
  /** Median of the sanitize task (wall time seen by the caller). */
  sanitize_seconds: number;
  /** Median over runs of sanitize / total, in percent. */
  share_percent: number;
  /** Median of each step. */
  steps_seconds: Record<CloneStep, number>;
  /** Median of the sanitizer's own total (totals.duration_ms: the transaction, proof included). */
  sanitizer_ms: number;
  /** Median of each applied option's duration_ms. */
  options_ms: Record<string, number>;
  /** Median of the sanitizer's time outside the options: personal data map, capture, identity, proof, commit. */
  outside_options_ms: number;
  /** Median of the rows the options touched. */
  affected_rows: number;
}

export function sanitizeShare(samples: readonly CloneSample[]): SanitizeShare {
  const total = (s: CloneSample): number => CLONE_STEPS.reduce((n, k) => n + s.steps[k], 0);
  const applied = (s: CloneSample) => s.sanitized.results.filter((r) => !r.skipped);
  const keys = [...new Set(samples.flatMap((s) => applied(s).map((r) => r.option_key)))];
  const of = (f: (s: CloneSample) => number): number => median(samples.map(f));
  return {
    runs: samples.length,
    clone_seconds: of(total),
    sanitize_seconds: of((s) => s.steps.sanitize),
    share_percent: of((s) => (100 * s.steps.sanitize) / total(s)),
    steps_seconds: Object.fromEntries(CLONE_STEPS.map((k) => [k, of((s) => s.steps[k])])) as Record<CloneStep, number>,
    sanitizer_ms: of((s) => s.sanitized.totals.duration_ms),
    options_ms: Object.fromEntries(keys.map((k) => [k, of((s) => applied(s).find((r) => r.option_key === k)?.duration_ms ?? 0)])),
    outside_options_ms: of((s) => s.sanitized.totals.duration_ms - applied(s).reduce((n, r) => n + r.duration_ms, 0)),
    affected_rows: of((s) => s.sanitized.totals.affected_rows),
  };
}

/** The share as printed lines: per source state, then the options, slowest first. */
export function shareLines(byState: Record<string, SanitizeShare>): string[] {
  const lines = ['', 'source    clone (median)   sanitize (median)   share   steps (median s)'];
  for (const [state, r] of Object.entries(byState)) {
    const steps = Object.entries(r.steps_seconds).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
    lines.push(`${state.padEnd(9)} ${r.clone_seconds.toFixed(2).padStart(6)} s         ${r.sanitize_seconds.toFixed(2).padStart(6)} s          ${r.share_percent.toFixed(1).padStart(4)}%   ${steps}`);
  }
  for (const [state, r] of Object.entries(byState)) {
    const options = Object.entries(r.options_ms).sort((a, b) => b[1] - a[1]);
    lines.push('', `sanitizer (${state}): ${r.sanitizer_ms} ms, ${r.affected_rows} rows; outside the options (map, capture, identity, proof) ${r.outside_options_ms} ms`);
    for (const [k, ms] of options) lines.push(`  ${k.padEnd(30)} ${String(ms).padStart(7)} ms`);
  }
  return [...lines, ''];
}
