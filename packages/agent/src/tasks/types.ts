// What a task handler is given and must return. Handlers are registered per TaskKind in
// handlers/index.ts; the registry type makes a kind added to the shared catalogue a compile error
// here until it has a handler.
import type {
  AgentMessage,
  Fence,
  LogLevel,
  StepDetail,
  StepKey,
  TaskInput,
  TaskKind,
  TaskOutput,
  taskCancelMessage,
  taskResultMessage,
  taskRunMessage,
} from '@oec/shared';
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';

export interface TaskContext {
  readonly taskId: string;
  readonly kind: TaskKind;
  /** Aborted on task.cancel, on a newer attempt of the same operation, and on agent shutdown. */
  readonly signal: AbortSignal;
  readonly fence: Fence;
  readonly runtime: Runtime;
  /** Agent-side log (pino), already tagged with the task id. */
  readonly logger: Logger;
  /** Progress within the task (0–1), throttled before it reaches the controller. */
  progress(fraction: number, detail?: Partial<StepDetail>, step?: StepKey): void;
  /** A line of the operation log the user sees. */
  log(level: LogLevel, message: string, step?: StepKey): void;
  /** What this agent is doing and has done (agent.reconcile); absent where no runner drives the task. */
  readonly activity?: AgentActivity;
}

/** The runner's view of its own work, read by agent.reconcile (decision 0017). */
export interface AgentActivity {
  /** Operations with a task running now (any attempt), and the highest attempt seen of each. */
  runningOperations(): ReadonlySet<string>;
  /** Environments a running task works on (its input's environment, or its plan's target). */
  runningEnvironments(): ReadonlySet<string>;
  /** Highest attempt this agent has seen per operation (journal included). */
  attempts(): ReadonlyMap<string, number>;
  /** Operations whose clone.cleanup finished successfully on this agent (journal included). */
  cleanedUp(): ReadonlySet<string>;
}

export type Handler<K extends TaskKind> = (input: TaskInput<K>, ctx: TaskContext) => Promise<TaskOutput<K>>;

/** Exactly one handler per kind of the shared task catalogue. */
export type HandlerRegistry = { readonly [K in TaskKind]: Handler<K> };

/** Where the runner's messages go (the controller connection, or a fake in tests). */
export interface MessageSink {
  send(message: AgentMessage): void;
}

export type TaskRunMessage = z.infer<typeof taskRunMessage>;
export type TaskCancelMessage = z.infer<typeof taskCancelMessage>;
export type TaskResultMessage = z.infer<typeof taskResultMessage>;
