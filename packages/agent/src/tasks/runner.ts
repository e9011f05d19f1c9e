// Runs the tasks the controller sends: parses input with the task catalogue, answers
// task.accepted, runs the kind's handler with a context, and always ends with one task.result.
//
// Idempotence: a task.run for a task already running is re-accepted (not started twice); one for
// a task that finished recently gets its result again (the first copy may have been lost in a
// disconnect). Fencing: per operation we keep the highest attempt seen; an older attempt is
// refused with CANCELLED and a newer one aborts the running tasks of older attempts.
import {
  AppError,
  ERROR_META,
  ErrorCode,
  RECEIVER_READY,
  TASKS,
  validationError,
  type Fence,
  type TaskError,
  type TaskKind,
} from '@oec/shared';
import { z, type ZodTypeAny } from 'zod';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';
import { HANDLERS } from './handlers/index.js';
import { createThrottle, type Throttle } from './throttle.js';
import type { HandlerRegistry, MessageSink, TaskCancelMessage, TaskContext, TaskResultMessage, TaskRunMessage } from './types.js';

export interface TaskRunnerOptions {
  runtime: Runtime;
  sink: MessageSink;
  logger: Logger;
  handlers?: HandlerRegistry;
  /** Minimum time between two progress messages of one task (and step). */
  progressIntervalMs?: number;
}

export interface TaskRunner {
  handle(message: TaskRunMessage | TaskCancelMessage): void;
  /** A frame that failed to parse: if it names a task.run, answer it with VALIDATION_ERROR. */
  refuseInvalid(raw: string): void;
  runningTaskIds(): string[];
  /** Stop accepting, abort everything running, wait (bounded) for the results to be sent. */
  shutdown(reason: string, timeoutMs?: number): Promise<void>;
}

interface Running {
  kind: TaskKind;
  fence: Fence;
  controller: AbortController;
  done: Promise<void>;
}

const salvageSchema = z.object({ type: z.literal('task.run'), task_id: z.string().uuid(), kind: z.unknown() });
const RESULT_CACHE = 1000;
const ATTEMPTS_KEPT = 10_000;

export function createTaskRunner(opts: TaskRunnerOptions): TaskRunner {
  const handlers = opts.handlers ?? HANDLERS;
  const running = new Map<string, Running>();
  const finished = new Map<string, TaskResultMessage>();
  const attempts = new Map<string, number>();
  let accepting = true;

  const send = (message: TaskResultMessage): void => opts.sink.send(message);
  const fail = (taskId: string, error: TaskError): TaskResultMessage => ({ type: 'task.result', task_id: taskId, ok: false, error });

  function remember(result: TaskResultMessage): void {
    finished.set(result.task_id, result);
    for (const key of finished.keys()) {
      if (finished.size <= RESULT_CACHE) break;
      finished.delete(key);
    }
  }

  /** False when the run belongs to a superseded attempt; aborts older attempts otherwise. */
  function admitFence(msg: TaskRunMessage): boolean {
    const op = msg.fence.operation_id;
    if (op === null) return true;
    const highest = attempts.get(op);
    if (highest !== undefined && msg.fence.attempt < highest) return false;
    if (highest === undefined || msg.fence.attempt > highest) {
      attempts.delete(op);
      attempts.set(op, msg.fence.attempt);
      // Operations end; keep the most recently advanced ones only.
      for (const key of attempts.keys()) {
        if (attempts.size <= ATTEMPTS_KEPT) break;
        attempts.delete(key);
      }
      for (const [id, task] of running) {
        if (task.fence.operation_id === op && task.fence.attempt < msg.fence.attempt) {
          opts.logger.warn({ task_id: id, operation_id: op }, 'aborting task of a superseded attempt');
          task.controller.abort(`superseded by attempt ${msg.fence.attempt}`);
        }
      }
    }
    return true;
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
    if (!admitFence(msg)) {
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
    opts.sink.send({ type: 'task.accepted', task_id: msg.task_id });
    const controller = new AbortController();
    const entry: Running = { kind: msg.kind, fence: msg.fence, controller, done: Promise.resolve() };
    running.set(msg.task_id, entry);
    entry.done = execute(msg, parsed.data, schemas.output, controller.signal);
  }

  async function execute(msg: TaskRunMessage, input: unknown, output: ZodTypeAny, signal: AbortSignal): Promise<void> {
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
    running.delete(msg.task_id);
    remember(result);
    send(result);
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
    async shutdown(reason, timeoutMs = 30_000) {
      accepting = false;
      for (const task of running.values()) task.controller.abort(reason);
      const all = Promise.all([...running.values()].map((t) => t.done));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}

function taskError(code: ErrorCode, message: string, details?: Record<string, unknown>): TaskError {
  return { code, message, details: details ?? null, retryable: ERROR_META[code].retryable };
}

/** Abort wins (CANCELLED); an AppError keeps its code; anything else is TASK_FAILED. */
function errorOf(e: unknown, signal: AbortSignal): TaskError {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    const text = typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'cancelled';
    return taskError(ErrorCode.CANCELLED, `cancelled: ${text}`);
  }
  if (e instanceof AppError) return taskError(e.code, e.message, e.details);
  return taskError(ErrorCode.TASK_FAILED, e instanceof Error ? e.message : 'task failed');
}
