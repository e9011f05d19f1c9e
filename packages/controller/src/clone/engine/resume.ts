// Resuming a run another replica started (decision 0018): the operation keeps its attempt, the
// steps its row shows completed are not run again, and the first task of each kind the resumed
// run needs is looked up among the attempt's tasks: one that exists is attached to by id (its
// recorded result, or its frame sent again: the agent re-accepts a running task and answers a
// finished one from its journal, decision 0016), never started a second time. Only a task the
// agent cannot account for ends the step (AGENT_LOST), and with it the run, failed and cleaned up.
import type { TaskInput, TaskKind, TaskOutput } from '@oec/shared';
import { latestOperationTask } from '../../agents/store.js';
import type { RunTaskOptions } from '../../agents/types.js';
import type { Run } from './tracker.js';

/** The attempt's existing task of `kind` on `serverId`, once per run and only when resuming. */
export async function resumableTask(r: Run, kind: TaskKind, serverId: string): Promise<string | null> {
  if (!r.resumed) return null;
  const key = `${kind}@${serverId}`;
  if (r.attached.has(key)) return null;
  r.attached.add(key);
  return latestOperationTask(r.d.db, r.op.id, r.op.attempt, kind, serverId);
}

/** Attach to the attempt's task of `kind` when a resumed run finds one; start it otherwise. */
export async function runOrAttach<K extends TaskKind>(
  r: Run,
  serverId: string,
  kind: K,
  input: TaskInput<K>,
  opts: RunTaskOptions,
): Promise<TaskOutput<K>> {
  const existing = await resumableTask(r, kind, serverId);
  if (existing) {
    r.d.logger.info({ operationId: r.op.id, taskId: existing, kind }, 'resumed run attaches to its task');
    return r.d.hub.attachTask(existing, serverId, kind, opts);
  }
  return r.d.hub.runTask(serverId, kind, input, opts);
}
