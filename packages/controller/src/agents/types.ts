// What the rest of the controller sees of the agent hub: whether a server's agent is connected,
// and running tasks on it. Services depend on this interface; tests can pass a fake.
import type { z } from 'zod';
import type { Fence, TaskInput, TaskKind, TaskOutput, taskLogMessage, taskProgressMessage } from '@oec/shared';

export type TaskProgress = Omit<z.infer<typeof taskProgressMessage>, 'type' | 'task_id'>;
export type TaskLog = Omit<z.infer<typeof taskLogMessage>, 'type' | 'task_id'>;

export interface RunTaskOptions {
  /** Fencing token: the operation attempt this task belongs to (operation_id null outside clones). */
  fence: Fence;
  /** Recorded on the task row so an environment's tasks can be found. */
  environmentId?: string;
  /** Aborting sends `task.cancel` and rejects with CANCELLED. */
  signal?: AbortSignal;
  onProgress?: (progress: TaskProgress) => void;
  onLog?: (log: TaskLog) => void;
  /** Called with the task id once the task row exists. */
  onCreated?: (taskId: string) => void;
}

export interface AgentHub {
  /** True when the server's agent is connected and has said hello. */
  isConnected(serverId: string): boolean;
  /**
   * isConnected, and when it says no for want of news from another replica (an agent that has
   * just connected there: its row already says RUNNING, its notice has not arrived), after reading
   * again which agents the live replicas hold. For answering a request, not for loops.
   */
  confirmConnected(serverId: string): Promise<boolean>;
  /**
   * Persist a task, send it to the server's agent and resolve with its parsed output. Rejects
   * with the task's AppError, AGENT_LOST when the agent is gone longer than the grace period,
   * or CANCELLED.
   */
  runTask<K extends TaskKind>(serverId: string, kind: K, input: TaskInput<K>, opts: RunTaskOptions): Promise<TaskOutput<K>>;
  /**
   * Wait for a task that already has a row, by id (a run taken over from another replica): its
   * recorded result, or its frame sent again (the agent re-accepts a running task and answers a
   * finished one from its journal).
   */
  attachTask<K extends TaskKind>(taskId: string, serverId: string, kind: K, opts: RunTaskOptions): Promise<TaskOutput<K>>;
  /** Stop awaiting the operation's tasks here without cancelling them (another replica takes over). */
  detachOperation(operationId: string): void;
  /** Send `task.cancel` for a running task; false when the task is not in flight here. */
  cancelTask(taskId: string, reason?: string): boolean;
}
