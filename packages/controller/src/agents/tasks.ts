// Tasks in flight on agents: the task row, the `task.run` frame, and the promise its caller
// awaits. A task whose agent disconnects waits for it during a grace period (and is resent when
// the agent is back); after that it fails with AGENT_LOST. Results are parsed with the kind's
// output schema from the shared task catalogue.
// Replicas (decision 0018): the row keeps the frame sealed, so the route may be another
// replica's connection (the hub relays through the bus) and a replica that takes an operation
// over can attach to a task by id: it sends the same frame again (the agent re-accepts a running
// task and answers a finished one from its journal) or reads the result a relay recorded.
import { z } from 'zod';
import { AppError, ErrorCode, TASKS, agentMessageSchema, parseFrame } from '@oec/shared';
import type { AgentMessage, ControllerMessage, TaskKind, TaskOutput } from '@oec/shared';
import type { Clock } from '../clock.js';
import type { IdGenerator } from '../ids.js';
import type { Queryable } from '../db/pool.js';
import type { Sealer } from '../db/seal.js';
import * as store from './store.js';
import type { TaskEnd } from './store.js';
import type { RunTaskOptions } from './types.js';

type TaskMessage = Extract<AgentMessage, { task_id: string }>;

/** How the registry reaches an agent: a ready connection (here or on another replica), or whether one is coming. */
export type AgentRoute =
  | { run(taskId: string, frame: string): void; cancel(taskId: string, reason: string): void }
  | 'connecting'
  | undefined;

export interface TaskRegistryOptions {
  db: Queryable;
  clock: Clock;
  ids: IdGenerator;
  graceMs: number;
  /** Serialize database writes per server (see hub.ts). */
  serial(serverId: string, fn: () => Promise<void>): void;
  route(serverId: string): AgentRoute;
  sealer: Sealer;
}

interface PendingTask {
  id: string;
  serverId: string;
  kind: TaskKind;
  frame: string;
  opts: RunTaskOptions;
  resolve: (output: unknown) => void;
  reject: (err: AppError) => void;
  graceTimer: NodeJS.Timeout | undefined;
  onAbort: () => void;
}

export interface TaskRegistry {
  run<K extends TaskKind>(serverId: string, kind: K, input: unknown, opts: RunTaskOptions): Promise<TaskOutput<K>>;
  /** Wait for a task that already has a row (a run taken over from another replica). */
  attach<K extends TaskKind>(taskId: string, serverId: string, kind: K, opts: RunTaskOptions): Promise<TaskOutput<K>>;
  /** Forget the operation's tasks here without cancelling them on their agents (another replica goes on). */
  detachOperation(operationId: string): void;
  cancel(taskId: string, reason?: string): boolean;
  /** A task frame from the agent of `serverId` (frames about other servers' tasks are ignored). */
  handle(serverId: string, msg: TaskMessage): boolean;
  /** The server's agent is ready again: (re)send its tasks. */
  agentReady(serverId: string): void;
  /** The server's agent is gone: its tasks start their grace period. */
  agentGone(serverId: string): void;
  /** Fail every task (shutdown). */
  failAll(code: ErrorCode, message: string): void;
}

/** Output keys that are never persisted (reset_passwords' generated password). */
const SECRET_OUTPUT_KEYS = ['generated_password'] as const;

export function redactSecrets(output: unknown): unknown {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return output;
  const copy: Record<string, unknown> = { ...(output as Record<string, unknown>) };
  for (const key of SECRET_OUTPUT_KEYS) if (copy[key] !== undefined && copy[key] !== null) copy[key] = '[redacted]';
  return copy;
}

/**
 * The input as the task row keeps it: a cross-server transfer's ticket secrets (single-use,
 * minutes long, but bearer credentials to the target's peer endpoint) only travel in the frame.
 */
const withTickets = z
  .object({ transfer: z.object({ tickets: z.array(z.object({ ticket: z.string() }).passthrough()) }).passthrough() })
  .passthrough();

export function redactInput(input: unknown): unknown {
  const parsed = withTickets.safeParse(input);
  if (!parsed.success) return input;
  const { transfer } = parsed.data;
  return { ...parsed.data, transfer: { ...transfer, tickets: transfer.tickets.map((t) => ({ ...t, ticket: '[redacted]' })) } };
}

export function createTaskRegistry(o: TaskRegistryOptions): TaskRegistry {
  const pending = new Map<string, PendingTask>();
  let closed = false;

  function settle(t: PendingTask, end: TaskEnd, err?: AppError): void {
    if (!pending.delete(t.id)) return;
    clearTimeout(t.graceTimer);
    t.opts.signal?.removeEventListener('abort', t.onAbort);
    o.serial(t.serverId, async () => {
      try {
        // The row keeps the output minus one-time secrets (the caller still gets them).
        const stored: TaskEnd = end.status === 'succeeded' ? { ...end, output: redactSecrets(end.output) } : end;
        await store.finishTask(o.db, t.id, stored, o.clock.now());
      } finally {
        if (err) t.reject(err);
        else if (end.status === 'succeeded') t.resolve(end.output);
      }
    });
  }

  function fail(t: PendingTask, code: ErrorCode, message: string, details?: Record<string, unknown>): void {
    const status = code === ErrorCode.CANCELLED ? 'cancelled' : 'failed';
    const error = new AppError(code, message, details);
    settle(t, { status, error: { code, message, details: details ?? null, retryable: error.retryable } }, error);
  }

  function startGrace(t: PendingTask): void {
    if (t.graceTimer || closed) return;
    t.graceTimer = setTimeout(() => {
      fail(t, ErrorCode.AGENT_LOST, `The agent of server ${t.serverId} disconnected and did not come back`, {
        server_id: t.serverId,
        task_id: t.id,
        grace_ms: o.graceMs,
      });
    }, o.graceMs);
    t.graceTimer.unref();
  }

  function dispatch(t: PendingTask): void {
    const route = o.route(t.serverId);
    if (route === undefined) {
      startGrace(t);
    } else if (route !== 'connecting') {
      clearTimeout(t.graceTimer);
      t.graceTimer = undefined;
      route.run(t.id, t.frame);
    } // 'connecting': agentReady() sends it.
  }

  function onResult(t: PendingTask, msg: Extract<AgentMessage, { type: 'task.result' }>): void {
    if (msg.ok) {
      const parsed = (TASKS[t.kind].output as z.ZodTypeAny).safeParse(msg.output);
      if (parsed.success) settle(t, { status: 'succeeded', output: parsed.data as unknown });
      else fail(t, ErrorCode.TASK_FAILED, `Agent returned malformed output for ${t.kind}`, { issues: parsed.error.issues });
    } else if (!msg.error) {
      fail(t, ErrorCode.TASK_FAILED, `Task ${t.kind} failed without an error description`);
    } else {
      fail(t, msg.error.code, msg.error.message, msg.error.details ?? undefined);
    }
  }

  function cancel(taskId: string, reason = 'cancelled'): boolean {
    const t = pending.get(taskId);
    if (!t) return false;
    const route = o.route(t.serverId);
    if (route && route !== 'connecting') route.cancel(taskId, reason);
    fail(t, ErrorCode.CANCELLED, `Task ${t.kind} cancelled: ${reason}`);
    return true;
  }

  /** Register a task in flight and send its frame (null: nothing to send, its result is at hand). */
  function track<K extends TaskKind>(id: string, serverId: string, kind: K, frame: string | null, opts: RunTaskOptions): Promise<TaskOutput<K>> {
    return new Promise<TaskOutput<K>>((resolve, reject) => {
      const t: PendingTask = {
        id,
        serverId,
        kind,
        frame: frame ?? '',
        opts,
        // The output was parsed with TASKS[kind].output, which is what TaskOutput<K> names.
        resolve: (output) => resolve(output as TaskOutput<K>),
        reject,
        graceTimer: undefined,
        onAbort: () => cancel(id, 'aborted by the controller'),
      };
      pending.set(id, t);
      // The row's insert or read awaited: shutdown or an abort may have come meanwhile (an abort
      // event that fired before the listener exists would otherwise never be seen).
      if (closed) {
        fail(t, ErrorCode.AGENT_LOST, 'controller shutting down');
        return;
      }
      if (opts.signal?.aborted) {
        cancel(id, 'aborted by the controller');
        return;
      }
      opts.signal?.addEventListener('abort', t.onAbort, { once: true });
      if (frame !== null) dispatch(t);
    });
  }

  return {
    async run<K extends TaskKind>(serverId: string, kind: K, input: unknown, opts: RunTaskOptions) {
      const parsedInput = TASKS[kind].input.safeParse(input);
      if (!parsedInput.success) {
        throw new AppError(ErrorCode.INTERNAL, `Invalid input for task ${kind}`, { issues: parsedInput.error.issues });
      }
      if (closed) throw new AppError(ErrorCode.AGENT_LOST, 'controller shutting down');
      if (opts.signal?.aborted) throw new AppError(ErrorCode.CANCELLED, `Task ${kind} cancelled before it started`);
      const id = o.ids.uuid();
      const frame = JSON.stringify({ type: 'task.run', task_id: id, kind, fence: opts.fence, input: parsedInput.data } satisfies ControllerMessage);
      await store.insertTask(o.db, {
        id,
        serverId,
        environmentId: opts.environmentId ?? null,
        kind,
        input: redactInput(parsedInput.data),
        operationId: opts.fence.operation_id,
        attempt: opts.fence.attempt,
        frameSealed: o.sealer.seal(frame),
      });
      opts.onCreated?.(id);
      return track<K>(id, serverId, kind, frame, opts);
    },

    async attach<K extends TaskKind>(taskId: string, serverId: string, kind: K, opts: RunTaskOptions) {
      const row = await store.loadTaskForAttach(o.db, taskId);
      if (!row) throw new AppError(ErrorCode.AGENT_LOST, `Task ${taskId} is gone`, { task_id: taskId });
      opts.onCreated?.(taskId);
      const recorded = row.result_sealed === null ? null : o.sealer.open(row.result_sealed);
      const result = recorded === null ? null : parseFrame(agentMessageSchema, recorded);
      if (row.status === 'succeeded' || row.status === 'failed' || row.status === 'cancelled' || result?.type === 'task.result') {
        if (result?.type !== 'task.result') {
          if (row.status !== 'succeeded') {
            const e = row.error;
            throw new AppError(e?.code ?? ErrorCode.TASK_FAILED, e?.message ?? `Task ${kind} ${row.status}`, e?.details ?? undefined);
          }
          const parsed = (TASKS[kind].output as z.ZodTypeAny).safeParse(row.output);
          if (!parsed.success) throw new AppError(ErrorCode.TASK_FAILED, `The recorded output of ${kind} is unreadable`);
          return parsed.data as TaskOutput<K>;
        }
        const settled = track<K>(taskId, serverId, kind, null, opts);
        const t = pending.get(taskId);
        if (t) onResult(t, result);
        return settled;
      }
      const frame = row.frame_sealed === null ? null : o.sealer.open(row.frame_sealed);
      if (frame === null) throw new AppError(ErrorCode.AGENT_LOST, `Task ${taskId} cannot be sent again (its frame is unreadable)`, { task_id: taskId });
      return track<K>(taskId, serverId, kind, frame, opts);
    },

    detachOperation(operationId) {
      for (const t of [...pending.values()]) {
        if (t.opts.fence.operation_id !== operationId) continue;
        pending.delete(t.id);
        clearTimeout(t.graceTimer);
        t.opts.signal?.removeEventListener('abort', t.onAbort);
        t.reject(new AppError(ErrorCode.AGENT_LOST, 'Detached: another controller replica goes on with this task', { detached: true }));
      }
    },

    cancel,

    handle(serverId, msg) {
      const t = pending.get(msg.task_id);
      if (!t || t.serverId !== serverId) return false;
      const at = o.clock.now();
      switch (msg.type) {
        case 'task.accepted':
          o.serial(serverId, () => store.markTaskRunning(o.db, msg.task_id, at));
          break;
        case 'task.progress': {
          const { type: _t, task_id: _id, ...progress } = msg;
          t.opts.onProgress?.(progress);
          o.serial(serverId, () => store.recordTaskProgress(o.db, msg.task_id, progress, at));
          break;
        }
        case 'task.log': {
          const { type: _t, task_id: _id, ...entry } = msg;
          t.opts.onLog?.(entry);
          o.serial(serverId, () => store.appendTaskLog(o.db, msg.task_id, entry, at));
          break;
        }
        case 'task.result':
          onResult(t, msg);
          break;
      }
      return true;
    },

    agentReady(serverId) {
      for (const t of pending.values()) if (t.serverId === serverId) dispatch(t);
    },

    agentGone(serverId) {
      for (const t of pending.values()) if (t.serverId === serverId) startGrace(t);
    },

    failAll(code, message) {
      closed = true;
      for (const t of [...pending.values()]) fail(t, code, message);
    },
  };
}
