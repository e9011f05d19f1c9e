// What every clone step shares: where things live for a plan, the failure code of each step,
// and the test hooks (off unless configured) that inject a fault or slow a step down so that
// end-to-end suites can cancel or fail an operation at a chosen step.
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { AppError, STEP_FAILURE, stepKeySchema, type ClonePlan, type StepKey } from '@oec/shared';
import type { TaskContext } from '../tasks/types.js';

export interface HookState {
  /** `step` (fail after the step's work) or `step:start` (fail before it). */
  faults: ReadonlySet<string>;
  /** Each step waits this long (abortably) before its work. */
  stepDelayMs: number;
  /** Cross-server sender: at most this many bytes per second on the wire (0 = unlimited). */
  transferBytesPerSecond: number;
  /** Hold an operation at a step (matched by its target's name) until the entry is gone. */
  holds: readonly HoldEntry[];
  /** Where a held task writes `<operation id>.<step>.held` while it waits (null: nowhere). */
  holdDir: string | null;
}

export interface HoldEntry {
  target: string;
  step: StepKey;
}

/** Read at every checkpoint, so a test can change it between operations. */
export type CloneHooks = () => HookState;

const NONE: HookState = { faults: new Set(), stepDelayMs: 0, transferBytesPerSecond: 0, holds: [], holdDir: null };
export const NO_HOOKS: CloneHooks = () => NONE;

export function staticHooks(faults: string[], stepDelayMs = 0): CloneHooks {
  const state = { faults: new Set(faults), stepDelayMs, transferBytesPerSecond: 0, holds: [], holdDir: null };
  return () => state;
}

const hookFileSchema = z.object({
  faults: z.array(z.string()).default([]),
  step_delay_ms: z.number().int().min(0).max(600_000).default(0),
  transfer_bytes_per_second: z.number().int().min(0).default(0),
  hold: z.array(z.object({ target: z.string(), step: stepKeySchema })).default([]),
  hold_dir: z.string().startsWith('/').nullable().default(null),
});

/** Hooks from a JSON file (missing or unreadable file = no hooks). */
export function fileHooks(path: string): CloneHooks {
  return () => {
    try {
      const parsed = hookFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
      return {
        faults: new Set(parsed.faults),
        stepDelayMs: parsed.step_delay_ms,
        transferBytesPerSecond: parsed.transfer_bytes_per_second,
        holds: parsed.hold,
        holdDir: parsed.hold_dir,
      };
    } catch {
      return NONE;
    }
  };
}

/**
 * Test hook (the fault matrix): while the hooks file holds this operation's target at `step`, wait
 * here (abortably: a cancel or a newer attempt ends it) with a marker file saying so; the suite
 * kills a process while every operation sits at its step, then releases the holds.
 */
export async function holdPoint(ctx: TaskContext, hooks: CloneHooks, plan: Pick<ClonePlan, 'operation_id' | 'target'>, step: StepKey): Promise<void> {
  const held = () => hooks().holds.some((h) => h.step === step && h.target === plan.target.name);
  if (!held()) return;
  const dir = hooks().holdDir;
  const marker = dir ? join(dir, `${plan.operation_id}.${step}.held`) : null;
  if (marker) await writeFile(marker, JSON.stringify({ pid: process.pid, task: ctx.taskId, kind: ctx.kind }));
  ctx.logger.info({ step }, 'test hook: holding the operation');
  try {
    while (held()) await abortableSleep(200, ctx.signal);
  } finally {
    if (marker) await rm(marker, { force: true });
  }
}

export async function checkpoint(ctx: TaskContext, hooks: CloneHooks, step: StepKey, phase: 'start' | 'end'): Promise<void> {
  const state = hooks();
  // Announce the step, so that overlapping steps each show as in progress from their start.
  if (phase === 'start') ctx.progress(0, {}, step);
  if (phase === 'start' && state.stepDelayMs > 0) await abortableSleep(state.stepDelayMs, ctx.signal);
  ctx.signal.throwIfAborted();
  if (state.faults.has(phase === 'start' ? `${step}:start` : step)) {
    throw new AppError(STEP_FAILURE[step], `injected fault in ${step} (${phase})`, { step, injected: true });
  }
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Turn any error into an AppError carrying the step's failure code (AppErrors pass through). */
export function asStepError(step: StepKey, e: unknown): AppError {
  if (e instanceof AppError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new AppError(STEP_FAILURE[step], message, { step });
}

export interface ClonePaths {
  sourceFilestore: string;
  sourceAddons: string;
  /** Where the restore writes the filestore: the target's own (create_new) or a sibling. */
  workFilestore: string;
  targetFilestore: string;
  retainedFilestore: string | null;
  workAddons: string;
  /** Where agents before decision 0017 staged a replace's addons. */
  legacyWorkAddons: string;
  targetAddons: string;
  retainedAddons: string | null;
  /** Cross-server: the files the source's attachments reference that its filestore lacked. */
  missingInSource: string;
  /** The swap journal of a replace (idempotent swap and swap-back). */
  journal: string;
}

export function clonePaths(ctx: TaskContext, plan: ClonePlan): ClonePaths {
  const source = ctx.runtime.locate(plan.source);
  const target = ctx.runtime.locate(plan.target);
  const filestoreRoot = dirname(target.filestore_path);
  const replace = plan.mode === 'replace';
  return {
    sourceFilestore: source.filestore_path,
    sourceAddons: source.addons_path,
    workFilestore: join(filestoreRoot, plan.work_db),
    targetFilestore: target.filestore_path,
    retainedFilestore: plan.retained_db ? join(filestoreRoot, plan.retained_db) : null,
    // `addons.<work_db>`: the operation's tag is in the name, so a leftover can be attributed
    // (agents before decision 0017 wrote `addons.next`; cleanup removes that too).
    workAddons: replace ? `${target.addons_path}.${plan.work_db}` : target.addons_path,
    legacyWorkAddons: `${target.addons_path}.next`,
    targetAddons: target.addons_path,
    retainedAddons: plan.retained_db ? `${target.addons_path}.${plan.retained_db}` : null,
    missingInSource: join(dirname(filestoreRoot), `clone-${plan.operation_id}-missing.json`),
    journal: join(dirname(filestoreRoot), `clone-${plan.operation_id}.json`),
  };
}

/** A ref to the database being restored into, owned by the target's environment. */
export function workRef(plan: ClonePlan): { environment_id: string; db_name: string } {
  return { environment_id: plan.target.environment_id, db_name: plan.work_db };
}
