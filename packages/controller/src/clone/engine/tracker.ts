// The live state of one running attempt: its step states and overall percent in memory,
// written through one promise chain per operation (progress, logs and transitions land in the
// order they happened). A write that no longer applies (cancelled, superseded) marks the
// tracker stopped; the runner then ends without touching the row again.
import type { LogLevel, StepDetail, StepKey, StepState } from '@oec/shared';
import { completeStep, currentStep, percentOf, progressStep, skipStep, startStep } from '../model/steps-state.js';
import { appendLog } from '../store/logs.js';
import type { OperationRow } from '../store/operation-row.js';
import { saveProgress } from '../store/operations.js';
import type { RunnerDeps } from './deps.js';

export class OperationTracker {
  steps: StepState[];
  percent: number;
  /** The step the runner began last (the status while no step reports progress). */
  private began: StepKey = 'pre_checks';
  private chain: Promise<unknown> = Promise.resolve();
  /** Set when a write did not apply: the operation was cancelled or superseded. */
  stopped = false;

  constructor(
    private readonly d: RunnerDeps,
    readonly op: OperationRow,
  ) {
    this.steps = op.steps;
    this.percent = op.progress_percent;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch((err: unknown) => this.d.logger.error({ err, operationId: this.op.id }, 'clone state write failed'));
    return next;
  }

  get status(): StepKey {
    return currentStep(this.steps) ?? this.began;
  }

  /** Persist the current steps; resolves false (and stops the tracker) when the write no longer applies. */
  private persist(): Promise<boolean> {
    this.percent = Math.max(this.percent, percentOf(this.steps));
    const write = { status: this.status, steps: this.steps, progress_percent: this.percent };
    return this.enqueue(async () => {
      if (this.stopped) return false;
      const ok = await saveProgress(this.d.db, this.op.id, this.op.attempt, write, this.d.clock.now());
      if (!ok) this.stopped = true;
      this.d.events.emit(this.op.id);
      return ok;
    });
  }

  /** Enter a step: the status becomes it, unless a cancel or a newer attempt got there first. */
  async begin(step: StepKey): Promise<boolean> {
    this.began = step;
    this.steps = startStep(this.steps, step, this.d.clock.now());
    return this.persist();
  }

  progress(step: StepKey, fraction: number, detail: Partial<StepDetail>): void {
    const now = this.d.clock.now();
    this.steps = progressStep(this.steps, step, fraction, detail, now);
    if (fraction >= 1) this.steps = completeStep(this.steps, step, now);
    void this.persist();
  }

  async complete(steps: readonly StepKey[], message?: string): Promise<boolean> {
    const now = this.d.clock.now();
    for (const s of steps) this.steps = completeStep(this.steps, s, now, message);
    return this.persist();
  }

  skip(steps: readonly StepKey[]): void {
    for (const s of steps) this.steps = skipStep(this.steps, s);
  }

  log(level: LogLevel, step: StepKey | null, message: string, ts?: string): void {
    const at = ts && !Number.isNaN(Date.parse(ts)) ? new Date(ts) : this.d.clock.now();
    void this.enqueue(async () => {
      await appendLog(this.d.db, this.op.id, { ts: at, level, step, message });
      this.d.events.emit(this.op.id);
    });
  }

  /** Wait for every queued write. */
  async flush(): Promise<void> {
    await this.chain;
  }

  /** Hub task options that feed this tracker. */
  taskOptions(step: StepKey, environmentId: string, signal: AbortSignal) {
    return {
      fence: { operation_id: this.op.id, attempt: this.op.attempt },
      environmentId,
      signal,
      onProgress: (p: { step?: StepKey; fraction: number; detail: Partial<StepDetail> }) =>
        this.progress(p.step ?? step, p.fraction, p.detail),
      onLog: (l: { step?: StepKey; level: LogLevel; message: string; ts: string }) => this.log(l.level, l.step ?? step, l.message, l.ts),
    };
  }
}

/** One running attempt: its deps, its row as claimed, its tracker and its abort signal. */
export interface Run {
  d: RunnerDeps;
  op: OperationRow;
  t: OperationTracker;
  signal: AbortSignal;
}

/** Thrown to end a run quietly: the operation was cancelled or superseded meanwhile. */
export class RunStopped extends Error {
  constructor() {
    super('run stopped');
    this.name = 'RunStopped';
  }
}

