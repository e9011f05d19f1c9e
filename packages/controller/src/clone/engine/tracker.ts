// The live state of one running attempt: its step states and overall percent in memory,
// published at once to this process's live progress and change events, and written through one
// promise chain per operation (progress, logs and transitions land in the order they happened).
// Step transitions (begin, complete) are written at once; task progress is coalesced: at most
// one progress write per WRITE_INTERVAL_MS, each writing the state as it is when the write runs,
// and a pending one runs at the next transition or flush, so the latest state always reaches the
// row and no write lands after the run's final one. A write that no longer applies (cancelled,
// superseded) marks the tracker stopped; the runner then ends without touching the row again.
import type { LogLevel, StepDetail, StepKey, StepState } from '@oec/shared';
import { completeStep, currentStep, percentOf, progressStep, skipStep, startStep } from '../model/steps-state.js';
import { appendLog } from '../store/logs.js';
import type { OperationRow } from '../store/operation-row.js';
import { saveProgress } from '../store/operations.js';
import type { RunnerDeps } from './deps.js';

/** Progress writes of one operation are at least this far apart (at most 4 a second). */
export const WRITE_INTERVAL_MS = 250;

export class OperationTracker {
  steps: StepState[];
  percent: number;
  /** The step the runner began last (the status while no step reports progress). */
  private began: StepKey = 'pre_checks';
  private chain: Promise<unknown> = Promise.resolve();
  /** Set when a write did not apply: the operation was cancelled or superseded. */
  stopped = false;
  /** A coalesced progress write waiting for its turn. */
  private timer: NodeJS.Timeout | undefined;
  private lastWrite = -Infinity;

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

  /** Publish the in-memory state: this process's live progress and a change event. */
  private changed(): void {
    this.percent = Math.max(this.percent, percentOf(this.steps));
    this.d.live.set(this.op.id, { attempt: this.op.attempt, status: this.status, steps: this.steps, progress_percent: this.percent });
    this.d.events.emit(this.op.id);
  }

  /**
   * Write the state as it is when the write runs (a pending coalesced write is folded in);
   * resolves false (and stops the tracker) when the write no longer applies.
   */
  private persist(): Promise<boolean> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastWrite = Date.now();
    return this.enqueue(async () => {
      if (this.stopped) return false;
      const write = { status: this.status, steps: this.steps, progress_percent: this.percent };
      const ok = await saveProgress(this.d.db, this.op.id, { attempt: this.op.attempt, owner: this.d.replica.id }, write, this.d.clock.now());
      if (!ok) this.stopped = true;
      this.d.events.emit(this.op.id);
      return ok;
    });
  }

  /** A progress write now, or one WRITE_INTERVAL_MS after the last (one pending at most). */
  private persistSoon(): void {
    if (this.timer || this.stopped) return;
    const wait = this.lastWrite + WRITE_INTERVAL_MS - Date.now();
    if (wait <= 0) void this.persist();
    else this.timer = setTimeout(() => void this.persist(), wait);
  }

  /** Enter a step: the status becomes it, unless a cancel or a newer attempt got there first. */
  async begin(step: StepKey): Promise<boolean> {
    this.began = step;
    this.steps = startStep(this.steps, step, this.d.clock.now());
    this.changed();
    return this.persist();
  }

  progress(step: StepKey, fraction: number, detail: Partial<StepDetail>): void {
    const now = this.d.clock.now();
    this.steps = progressStep(this.steps, step, fraction, detail, now);
    if (fraction >= 1) this.steps = completeStep(this.steps, step, now);
    this.changed();
    this.persistSoon();
  }

  async complete(steps: readonly StepKey[], message?: string): Promise<boolean> {
    const now = this.d.clock.now();
    for (const s of steps) this.steps = completeStep(this.steps, s, now, message);
    this.changed();
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

  /** Write a pending coalesced write now and wait for every queued write. */
  async flush(): Promise<void> {
    if (this.timer) void this.persist();
    await this.chain;
  }

  /** The run has ended: its last writes are done; forget its live state. */
  async close(): Promise<void> {
    await this.flush();
    this.d.live.delete(this.op.id, this.op.attempt);
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
  /** Taken over from another replica: existing tasks are attached to (resume.ts). */
  resumed: boolean;
  /** The task kinds (per server) a resumed run has looked up already. */
  attached: Set<string>;
}

/** Thrown to end a run quietly: the operation was cancelled or superseded meanwhile. */
export class RunStopped extends Error {
  constructor() {
    super('run stopped');
    this.name = 'RunStopped';
  }
}

