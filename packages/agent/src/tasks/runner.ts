// Runs the tasks the controller sends: parses input with the task catalogue, answers
// task.accepted, runs the kind's handler with a context, and always ends with one task.result.
//
// Idempotence: a task.run for a task already running is re-accepted (not started twice); one for
// a task that finished recently gets its result again (the first copy may have been lost in a
// disconnect). The journal (journal.ts) makes both survive a restart of the agent: a task the
// previous process was running is answered as lost (AGENT_LOST), never run again.
// Fencing: per operation we keep the highest attempt seen; an older attempt is refused with
// CANCELLED and a newer one aborts the running tasks of older attempts and waits for them to end
// before it starts (a cleanup never races the work it undoes).
// Lease: `abandon()` (the agent lost its controller for longer than its lease) stops every
// operation's running task, cleans up what a target-side clone task built, and refuses that
// attempt from then on.
import {
  AppError,
  clonePlanSchema,
  ERROR_META,
  ErrorCode,
  RECEIVER_READY,
  TASKS,
  validationError,
  type Fence,
  type TaskError,
  type TaskKind,
} from '@oec/shared';
import { randomUUID } from 'node:crypto';
import { z, type ZodTypeAny } from 'zod';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';
import { TARGET_SIDE_KINDS } from './handlers/clone.js';
import { HANDLERS } from './handlers/index.js';
import { NO_JOURNAL, type TaskJournal } from './journal.js';
import { createThrottle, type Throttle } from './throttle.js';
import type { AgentActivity, HandlerRegistry, MessageSink, TaskCancelMessage, TaskContext, TaskResultMessage, TaskRunMessage } from './types.js';

export interface TaskRunnerOptions {
  runtime: Runtime;
  sink: MessageSink;
  logger: Logger;
  handlers?: HandlerRegistry;
  /** Minimum time between two progress messages of one task (and step). */
  progressIntervalMs?: number;
  /** Where tasks are recorded before they start and when they end (default: nowhere). */
  journal?: TaskJournal;
  /** How long a new attempt waits for the superseded attempt's tasks to end. */
  supersedeWaitMs?: number;
}

export interface TaskRunner {
  handle(message: TaskRunMessage | TaskCancelMessage): void;
  /** A frame that failed to parse: if it names a task.run, answer it with VALIDATION_ERROR. */
  refuseInvalid(raw: string): void;
  runningTaskIds(): string[];
  /**
   * The controller is gone for longer than the lease: stop every operation's running task (as
   * AGENT_LOST), undo what target-side clone tasks built, refuse their attempts from now on.
   * Resolves with the ids of the tasks stopped, once they ended and were cleaned up.
   */
  abandon(reason: string): Promise<string[]>;
  /** Stop accepting, abort everything running, wait (bounded) for the results to be sent. */
  shutdown(reason: string, timeoutMs?: number): Promise<void>;
}

interface Running {
  kind: TaskKind;
  fence: Fence;
  input: unknown;
  controller: AbortController;
  done: Promise<void>;
  abandoned: boolean;
}

const salvageSchema = z.object({ type: z.literal('task.run'), task_id: z.string().uuid(), kind: z.unknown() });
const RESULT_CACHE = 1000;
const ATTEMPTS_KEPT = 10_000;

export function createTaskRunner(opts: TaskRunnerOptions): TaskRunner {
  const handlers = opts.handlers ?? HANDLERS;
  const journal = opts.journal ?? NO_JOURNAL;
  const running = new Map<string, Running>();
  const finished = new Map<string, TaskResultMessage>(journal.results().map((r) => [r.task_id, r]));
  const attempts = journal.attempts();
  /** Per operation, the highest attempt abandoned by the lease: never resumed. */
  const abandonedUpTo = journal.abandoned();
  /** Aborts the cleanups abandon() runs (on shutdown). */
  const housekeeping = new AbortController();
  /** Per operation, abandon()'s own cleanup while it runs: a newer attempt waits for it too. */
  const selfCleaning = new Map<string, Promise<void>>();
  let accepting = true;
  for (const entry of journal.lost) {
    opts.logger.warn({ task_id: entry.task_id, kind: entry.kind, operation_id: entry.fence.operation_id }, 'task lost: the previous agent process died while running it');
  }

  /** Clean-ups that finished in this process (the journal holds those of earlier ones). */
  const cleanedUp = journal.cleanedUp();
  const activity: AgentActivity = {
    runningOperations: () => new Set([...running.values()].flatMap((t) => (t.fence.operation_id ? [t.fence.operation_id] : []))),
    runningEnvironments: () => new Set([...running.values()].flatMap((t) => environmentOf(t.input))),
    attempts: () => new Map(attempts),
    cleanedUp: () => new Set(cleanedUp),
  };

  const send = (message: TaskResultMessage): void => opts.sink.send(message);
  const fail = (taskId: string, error: TaskError): TaskResultMessage => ({ type: 'task.result', task_id: taskId, ok: false, error });

  function remember(result: TaskResultMessage): void {
    finished.set(result.task_id, result);
    for (const key of finished.keys()) {
      if (finished.size <= RESULT_CACHE) break;
      finished.delete(key);
    }
  }

  /**
   * Null when the run belongs to a superseded attempt; otherwise aborts the running tasks of older
   * attempts and returns their ends, which the new task waits for.
   */
  function admitFence(msg: TaskRunMessage): Promise<void>[] | null {
    const op = msg.fence.operation_id;
    if (op === null) return [];
    const highest = attempts.get(op);
    if (highest !== undefined && msg.fence.attempt < highest) return null;
    const older: Promise<void>[] = [];
    if (highest === undefined || msg.fence.attempt > highest) {
      attempts.delete(op);
      attempts.set(op, msg.fence.attempt);
      // Operations end; keep the most recently advanced ones only.
      for (const key of attempts.keys()) {
        if (attempts.size <= ATTEMPTS_KEPT) break;
        attempts.delete(key);
      }
    }
    for (const [id, task] of running) {
      if (task.fence.operation_id === op && task.fence.attempt < msg.fence.attempt) {
        opts.logger.warn({ task_id: id, operation_id: op }, 'aborting task of a superseded attempt');
        task.controller.abort(`superseded by attempt ${msg.fence.attempt}`);
        older.push(task.done);
      }
    }
    const cleaning = selfCleaning.get(op);
    if (cleaning) older.push(cleaning);
    return older;
  }

  /** The attempt was abandoned under the lease: it never runs anything again. */
  function abandonedAttempt(fence: Fence): boolean {
    const op = fence.operation_id;
    const upTo = op === null ? undefined : abandonedUpTo.get(op);
    return upTo !== undefined && fence.attempt <= upTo;
  }

  function run(msg: TaskRunMessage): void {
    const existing = running.get(msg.task_id);
    if (existing) {
      opts.sink.send({ type: 'task.accepted', task_id: msg.task_id });
      return;
    }
    const previous = finished.get(msg.task_id);
    if (previous) {
      opts.sink.send({ type: 'task.accepted', task_id: msg.task_id });
      send(previous);
      return;
    }
    if (!accepting) {
      opts.logger.warn({ task_id: msg.task_id }, 'shutting down: task.run ignored');
      return;
    }
    if (abandonedAttempt(msg.fence)) {
      const result = fail(
        msg.task_id,
        taskError(ErrorCode.AGENT_LOST, `attempt ${msg.fence.attempt} was stopped by this agent after it lost its controller`, { reason: 'lease_expired' }),
      );
      remember(result);
      send(result);
      return;
    }
    const older = admitFence(msg);
    if (older === null) {
      const highest = attempts.get(msg.fence.operation_id ?? '') ?? msg.fence.attempt;
      const result = fail(msg.task_id, taskError(ErrorCode.CANCELLED, `attempt ${msg.fence.attempt} is superseded by attempt ${highest}`));
      remember(result);
      send(result);
      return;
    }
    const schemas: { input: ZodTypeAny; output: ZodTypeAny } = TASKS[msg.kind];
    const parsed = schemas.input.safeParse(msg.input);
    if (!parsed.success) {
      const err = validationError(parsed.error, `${msg.kind} input`);
      const result = fail(msg.task_id, taskError(err.code, err.message, err.details));
      remember(result);
      send(result);
      return;
    }
    // Recorded before anything runs: a restarted agent knows this task was started.
    try {
      journal.started(msg.task_id, msg.kind, msg.fence);
    } catch (e) {
      const result = fail(msg.task_id, taskError(ErrorCode.TASK_FAILED, `cannot record the task in the agent's journal: ${e instanceof Error ? e.message : String(e)}`));
      remember(result);
      send(result);
      return;
    }
    opts.sink.send({ type: 'task.accepted', task_id: msg.task_id });
    opts.logger.info({ task_id: msg.task_id, kind: msg.kind, operation_id: msg.fence.operation_id, attempt: msg.fence.attempt }, 'task started');
    const controller = new AbortController();
    const entry: Running = { kind: msg.kind, fence: msg.fence, input: parsed.data, controller, done: Promise.resolve(), abandoned: false };
    running.set(msg.task_id, entry);
    entry.done = execute(msg, parsed.data, schemas.output, controller.signal, older);
  }

  async function settleOlder(older: Promise<void>[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(older), new Promise((r) => (timer = setTimeout(r, opts.supersedeWaitMs ?? 60_000)))]);
    clearTimeout(timer);
  }

  async function execute(msg: TaskRunMessage, input: unknown, output: ZodTypeAny, signal: AbortSignal, older: Promise<void>[]): Promise<void> {
    const logger = opts.logger.child({ task_id: msg.task_id, kind: msg.kind });
    const progress: Throttle<Parameters<MessageSink['send']>[0]> = createThrottle(opts.progressIntervalMs ?? 250, (m) =>
      opts.sink.send(m),
    );
    const ctx: TaskContext = {
      taskId: msg.task_id,
      kind: msg.kind,
      signal,
      fence: msg.fence,
      runtime: opts.runtime,
      logger,
      activity,
      progress(fraction, detail = {}, step) {
        const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
        const message = { type: 'task.progress' as const, task_id: msg.task_id, fraction: f, detail, ...(step ? { step } : {}) };
        // The receiver's readiness goes out at once: the controller starts the sender on it.
        progress.push(step ?? '', message, f >= 1 || detail.message === RECEIVER_READY);
      },
      log(level, message, step) {
        logger[level === 'ERROR' ? 'error' : level === 'WARNING' ? 'warn' : 'info']({ step }, message);
        const text = message.length > 8000 ? `${message.slice(0, 7997)}...` : message;
        opts.sink.send({ type: 'task.log', task_id: msg.task_id, ts: new Date().toISOString(), level, message: text, ...(step ? { step } : {}) });
      },
    };
    let result: TaskResultMessage;
    try {
      // The registry is keyed by kind and the input was parsed by that kind's schema just above;
      // TypeScript cannot correlate the two through a union-typed key, hence the widening here.
      const handler = handlers[msg.kind] as (input: unknown, ctx: TaskContext) => Promise<unknown>;
      if (older.length > 0) {
        await settleOlder(older);
        signal.throwIfAborted();
      }
      const value = await handler(input, ctx);
      const checked = output.safeParse(value);
      result = checked.success
        ? { type: 'task.result', task_id: msg.task_id, ok: true, output: checked.data }
        : fail(msg.task_id, taskError(ErrorCode.TASK_FAILED, `${msg.kind} produced an invalid output: ${checked.error.message}`));
    } catch (e) {
      result = fail(msg.task_id, errorOf(e, signal));
      logger.warn({ code: result.error?.code, err: result.error?.message }, 'task failed');
    } finally {
      progress.flush();
    }
    const abandoned = running.get(msg.task_id)?.abandoned ?? false;
    if (msg.kind === 'clone.cleanup' && result.ok && msg.fence.operation_id) cleanedUp.add(msg.fence.operation_id);
    running.delete(msg.task_id);
    remember(result);
    try {
      journal.finished(result, { abandoned });
    } catch (e) {
      logger.error({ err: e instanceof Error ? e.message : String(e) }, "cannot record the task's result in the journal");
    }
    send(result);
  }

  /** Undo what an abandoned target-side clone task built, as the controller's cleanup would. */
  async function cleanUpAbandoned(task: Running): Promise<void> {
    if (!TARGET_SIDE_KINDS.includes(task.kind)) return;
    const plan = clonePlanSchema.safeParse(task.input);
    if (!plan.success) return;
    const logger = opts.logger.child({ operation_id: task.fence.operation_id, kind: 'clone.cleanup' });
    const ctx: TaskContext = {
      taskId: randomUUID(),
      kind: 'clone.cleanup',
      signal: housekeeping.signal,
      fence: task.fence,
      runtime: opts.runtime,
      logger,
      progress: () => undefined,
      log: (level, message) => logger[level === 'ERROR' ? 'error' : level === 'WARNING' ? 'warn' : 'info'](message),
    };
    try {
      const out = await handlers['clone.cleanup']({ ...plan.data, keep_target: false }, ctx);
      logger.warn({ removed: out.removed, swapped_back: out.swapped_back }, 'cleaned up after an abandoned clone task');
    } catch (e) {
      logger.error({ err: e instanceof Error ? e.message : String(e) }, 'cleanup after an abandoned clone task failed; the controller cleans up when it is back');
    }
  }

  return {
    handle(message) {
      if (message.type === 'task.run') run(message);
      else {
        const task = running.get(message.task_id);
        if (task) task.controller.abort(message.reason || 'cancelled');
        else opts.logger.debug({ task_id: message.task_id }, 'task.cancel for a task not running');
      }
    },
    refuseInvalid(raw) {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return;
      }
      const salvage = salvageSchema.safeParse(json);
      if (!salvage.success || running.has(salvage.data.task_id)) return;
      const result = fail(salvage.data.task_id, taskError(ErrorCode.VALIDATION_ERROR, `invalid task.run (kind ${JSON.stringify(salvage.data.kind)})`));
      remember(result);
      send(result);
    },
    runningTaskIds: () => [...running.keys()],
    async abandon(reason) {
      const stopped: Array<[string, Running]> = [...running].filter(([, t]) => t.fence.operation_id !== null);
      for (const [id, task] of stopped) {
        const op = task.fence.operation_id ?? '';
        abandonedUpTo.set(op, Math.max(abandonedUpTo.get(op) ?? 0, task.fence.attempt));
        task.abandoned = true;
        opts.logger.warn({ task_id: id, kind: task.kind, operation_id: op }, `stopping task: ${reason}`);
        task.controller.abort(new AppError(ErrorCode.AGENT_LOST, `stopped by the agent: ${reason}`, { reason: 'lease_expired' }));
      }
      await Promise.all(
        stopped.map(async ([, task]) => {
          const op = task.fence.operation_id ?? '';
          const cleaning = (async () => {
            await task.done;
            await cleanUpAbandoned(task);
          })();
          selfCleaning.set(op, cleaning);
          await cleaning;
          if (selfCleaning.get(op) === cleaning) selfCleaning.delete(op);
        }),
      );
      return stopped.map(([id]) => id);
    },
    async shutdown(reason, timeoutMs = 30_000) {
      accepting = false;
      housekeeping.abort(reason);
      for (const task of running.values()) task.controller.abort(reason);
      const all = Promise.all([...running.values()].map((t) => t.done));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}

/** The environment a task's input works on: `environment_id`, or a clone plan's target. */
function environmentOf(input: unknown): string[] {
  const o = input as { environment_id?: unknown; target?: { environment_id?: unknown } } | null;
  const id = o?.environment_id ?? o?.target?.environment_id;
  return typeof id === 'string' ? [id] : [];
}

function taskError(code: ErrorCode, message: string, details?: Record<string, unknown>): TaskError {
  return { code, message, details: details ?? null, retryable: ERROR_META[code].retryable };
}

/** Abort wins (CANCELLED); an AppError keeps its code; anything else is TASK_FAILED. */
function errorOf(e: unknown, signal: AbortSignal): TaskError {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof AppError) return taskError(reason.code, reason.message, reason.details);
    const text = typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'cancelled';
    return taskError(ErrorCode.CANCELLED, `cancelled: ${text}`);
  }
  if (e instanceof AppError) return taskError(e.code, e.message, e.details);
  return taskError(ErrorCode.TASK_FAILED, e instanceof Error ? e.message : 'task failed');
}
