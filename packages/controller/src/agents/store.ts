// The hub's SQL: server liveness and facts, task rows and task logs.
import type { ServerFacts, TaskError } from '@oec/shared';
import type { Queryable } from '../db/pool.js';
import type { TaskLog, TaskProgress } from './types.js';

export async function serverTokenHash(q: Queryable, serverId: string): Promise<string | null> {
  const { rows } = await q.query<{ agent_token_hash: string }>('SELECT agent_token_hash FROM servers WHERE id = $1', [
    serverId,
  ]);
  return rows[0]?.agent_token_hash ?? null;
}

/** Record a hello: facts, disk, RUNNING. False when the server row is gone. */
export async function markServerRunning(q: Queryable, serverId: string, facts: ServerFacts, at: Date, replicaId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE servers SET status = 'RUNNING', facts = $2, disk_free_bytes = $3, disk_total_bytes = $4, last_seen_at = $5,
            connected_replica = $6
      WHERE id = $1`,
    [serverId, JSON.stringify(facts), Math.round(facts.disk_free_bytes), Math.round(facts.disk_total_bytes), at, replicaId],
  );
  return (rowCount ?? 0) > 0;
}

export async function recordHeartbeat(
  q: Queryable,
  serverId: string,
  disk: { free: number; total: number },
  at: Date,
): Promise<void> {
  await q.query(
    `UPDATE servers SET status = 'RUNNING', disk_free_bytes = $2, disk_total_bytes = $3, last_seen_at = $4,
            facts = CASE WHEN facts IS NULL THEN NULL
                         ELSE facts || jsonb_build_object('disk_free_bytes', $2::bigint, 'disk_total_bytes', $3::bigint) END
      WHERE id = $1`,
    [serverId, Math.round(disk.free), Math.round(disk.total), at],
  );
}

/** This replica lost the agent; unless the agent is connected to another replica by now. */
export async function markServerUnreachable(q: Queryable, serverId: string, replicaId: string): Promise<void> {
  await q.query(
    `UPDATE servers SET status = CASE WHEN status = 'RUNNING' THEN 'UNREACHABLE' ELSE status END, connected_replica = NULL
      WHERE id = $1 AND (connected_replica = $2 OR connected_replica IS NULL)`,
    [serverId, replicaId],
  );
}

/** Servers whose agent is connected to another live replica (heartbeat within `ttlMs`). */
export async function remoteConnections(q: Queryable, replicaId: string, ttlMs: number): Promise<Map<string, string>> {
  const { rows } = await q.query<{ id: string; replica: string }>(
    `SELECT s.id, s.connected_replica AS replica FROM servers s JOIN controller_replicas r ON r.id = s.connected_replica
      WHERE s.status = 'RUNNING' AND r.id <> $1 AND r.heartbeat_at > now() - make_interval(secs => $2::double precision / 1000)`,
    [replicaId, ttlMs],
  );
  return new Map(rows.map((r) => [r.id, r.replica]));
}

/** Servers marked RUNNING that no live connection of this hub vouches for and that went quiet. */
export async function sweepStaleServers(q: Queryable, liveIds: string[], cutoff: Date): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE servers SET status = 'UNREACHABLE'
      WHERE status = 'RUNNING' AND NOT (id = ANY($1::uuid[])) AND (last_seen_at IS NULL OR last_seen_at < $2)
      RETURNING id`,
    [liveIds, cutoff],
  );
  return rows.map((r) => r.id);
}

export interface NewTask {
  id: string;
  serverId: string;
  environmentId: string | null;
  kind: string;
  input: unknown;
  operationId: string | null;
  attempt: number;
  /** The `task.run` frame, sealed (db/seal.ts): sent again by a relay or a replica that takes over. */
  frameSealed: string;
}

export async function insertTask(q: Queryable, t: NewTask): Promise<void> {
  await q.query(
    `INSERT INTO tasks (id, server_id, environment_id, kind, input, operation_id, attempt, frame_sealed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [t.id, t.serverId, t.environmentId, t.kind, JSON.stringify(t.input), t.operationId, t.attempt, t.frameSealed],
  );
}

export async function markTaskRunning(q: Queryable, taskId: string, at: Date): Promise<void> {
  await q.query(
    `UPDATE tasks SET status = 'running', started_at = COALESCE(started_at, $2), updated_at = $2
      WHERE id = $1 AND status IN ('queued', 'running')`,
    [taskId, at],
  );
}

export async function recordTaskProgress(q: Queryable, taskId: string, p: TaskProgress, at: Date): Promise<void> {
  await q.query(
    `UPDATE tasks SET status = 'running', started_at = COALESCE(started_at, $4), progress = $2, progress_detail = $3,
            updated_at = $4
      WHERE id = $1 AND status IN ('queued', 'running')`,
    [taskId, p.fraction, JSON.stringify({ step: p.step ?? null, ...p.detail }), at],
  );
}

export async function appendTaskLog(q: Queryable, taskId: string, log: TaskLog, at: Date): Promise<void> {
  const ts = Number.isNaN(Date.parse(log.ts)) ? at : new Date(log.ts);
  await q.query('INSERT INTO task_logs (task_id, ts, step, level, message) VALUES ($1, $2, $3, $4, $5)', [
    taskId,
    ts,
    log.step ?? null,
    log.level,
    log.message,
  ]);
}

export type TaskEnd =
  | { status: 'succeeded'; output: unknown }
  | { status: 'failed' | 'cancelled'; error: TaskError };

export async function finishTask(q: Queryable, taskId: string, end: TaskEnd, at: Date): Promise<void> {
  await q.query(
    `UPDATE tasks SET status = $2, output = $3, error = $4, finished_at = $5, updated_at = $5,
            progress = CASE WHEN $2 = 'succeeded' THEN 1 ELSE progress END
      WHERE id = $1 AND status IN ('queued', 'running')`,
    [
      taskId,
      end.status,
      end.status === 'succeeded' ? JSON.stringify(end.output ?? null) : null,
      end.status === 'succeeded' ? null : JSON.stringify(end.error),
      at,
    ],
  );
}

export interface AttachableTask {
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  output: unknown;
  error: TaskError | null;
  frame_sealed: string | null;
  result_sealed: string | null;
}

export async function loadTaskForAttach(q: Queryable, taskId: string): Promise<AttachableTask | null> {
  const { rows } = await q.query<AttachableTask>(
    'SELECT status, output, error, frame_sealed, result_sealed FROM tasks WHERE id = $1',
    [taskId],
  );
  return rows[0] ?? null;
}

/** A relay recorded the agent's `task.result` (sealed) for the replica that owns the task. */
export async function recordRelayedResult(q: Queryable, taskId: string, sealed: string): Promise<void> {
  await q.query('UPDATE tasks SET result_sealed = $2, updated_at = now() WHERE id = $1', [taskId, sealed]);
}

export async function loadResultSealed(q: Queryable, taskId: string): Promise<string | null> {
  const { rows } = await q.query<{ result_sealed: string | null }>('SELECT result_sealed FROM tasks WHERE id = $1', [taskId]);
  return rows[0]?.result_sealed ?? null;
}

export async function loadFrameSealed(q: Queryable, taskId: string, serverId: string): Promise<string | null> {
  const { rows } = await q.query<{ frame_sealed: string | null }>(
    `SELECT frame_sealed FROM tasks WHERE id = $1 AND server_id = $2 AND status IN ('queued', 'running')`,
    [taskId, serverId],
  );
  return rows[0]?.frame_sealed ?? null;
}

/** The newest task of an operation's attempt of `kind` on a server (what a resumed run attaches to). */
export async function latestOperationTask(
  q: Queryable,
  operationId: string,
  attempt: number,
  kind: string,
  serverId: string,
): Promise<string | null> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT id FROM tasks WHERE operation_id = $1 AND attempt = $2 AND kind = $3 AND server_id = $4
      ORDER BY created_at DESC, id DESC LIMIT 1`,
    [operationId, attempt, kind, serverId],
  );
  return rows[0]?.id ?? null;
}
