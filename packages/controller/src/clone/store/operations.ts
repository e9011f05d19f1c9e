// The SQL of clone operations. Every write made while an operation runs is guarded: it applies
// only to the attempt that makes it and only while the operation is not finished, so a cancel
// (which finishes the row at once) or a restart (which bumps the attempt) always wins.
import type { OperationError, Proof, RuleResult, SanitizationResult, StepState } from '@oec/shared';
import type { Queryable } from '../../db/pool.js';
import { FAILED_OR_CANCELLED_SQL, NOT_RUNNING_SQL, OP_COLUMNS, OP_FROM, TERMINAL_SQL } from './operation-row.js';
import type { CleanupState, OperationRow, StoredEstimate } from './operation-row.js';

export type NewOperation = Omit<
  OperationRow,
  | 'status'
  | 'progress_percent'
  | 'sanitization_result'
  | 'proof'
  | 'sanitization_rule_results'
  | 'error'
  | 'cleanup'
  | 'keep_target'
  | 'agent_touched'
  | 'attempt'
  | 'cancel_requested_at'
  | 'run_started_at'
  | 'finished_at'
  | 'target_status'
  | 'target_current_name'
  | 'target_current_domain'
  | 'owner'
>;

const json = (v: unknown) => JSON.stringify(v);

export async function insertOperation(q: Queryable, o: NewOperation): Promise<void> {
  await q.query(
    `INSERT INTO clone_operations (id, organization_id, project_id, server_id, source_server_id, source_environment_id,
       target_environment_id, target_name, target_domain, target_type, mode, request, sanitization_preset,
       sanitization_options, include_filestore, options, plan, estimate, steps, retry_of, requested_by, started_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
    [
      o.id,
      o.organization_id,
      o.project_id,
      o.server_id,
      o.source_server_id,
      o.source_environment_id,
      o.target_environment_id,
      o.target_name,
      o.target_domain,
      o.target_type,
      o.mode,
      json(o.request),
      o.sanitization_preset,
      json(o.sanitization_options),
      o.include_filestore,
      json(o.options),
      json(o.plan),
      json(o.estimate),
      json(o.steps),
      o.retry_of,
      o.requested_by,
      o.started_at,
    ],
  );
}

export async function loadOperation(q: Queryable, id: string, forUpdate = false): Promise<OperationRow | null> {
  const { rows } = await q.query<OperationRow>(
    `SELECT ${OP_COLUMNS} FROM ${OP_FROM} WHERE o.id = $1${forUpdate ? ' FOR UPDATE OF o' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

export interface OperationFilter {
  projectId?: string;
  environmentId?: string;
  /** null: every organization (platform admins). */
  organizationIds?: string[] | null;
  status?: string;
  limit: number;
}

export async function listOperations(q: Queryable, f: OperationFilter): Promise<OperationRow[]> {
  const { rows } = await q.query<OperationRow>(
    `SELECT ${OP_COLUMNS} FROM ${OP_FROM}
      WHERE ($1::uuid IS NULL OR o.project_id = $1)
        AND ($2::uuid IS NULL OR o.source_environment_id = $2 OR o.target_environment_id = $2)
        AND ($3::uuid[] IS NULL OR o.organization_id = ANY($3::uuid[]))
        AND ($4::text IS NULL OR o.status = $4)
      ORDER BY o.started_at DESC, o.id DESC
      LIMIT $5`,
    [f.projectId ?? null, f.environmentId ?? null, f.organizationIds ?? null, f.status ?? null, f.limit],
  );
  return rows;
}

/** What fences a run's writes: its attempt, and the replica that owns the operation (decision 0018). */
export interface RunFence {
  attempt: number;
  owner: string;
}

export interface ProgressWrite {
  status: string;
  steps: StepState[];
  progress_percent: number;
}

/** Step states and status of a running attempt; false once the operation is finished or superseded. */
export async function saveProgress(q: Queryable, id: string, run: RunFence, p: ProgressWrite, now: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE clone_operations
        SET status = $3, steps = $4, progress_percent = GREATEST(progress_percent, $5), updated_at = $6
      WHERE id = $1 AND attempt = $2 AND owner = $7 AND status NOT IN ${TERMINAL_SQL} AND cancel_requested_at IS NULL`,
    [id, run.attempt, p.status, json(p.steps), p.progress_percent, now, run.owner],
  );
  return (rowCount ?? 0) > 0;
}

export async function markAgentTouched(q: Queryable, id: string): Promise<void> {
  await q.query('UPDATE clone_operations SET agent_touched = true WHERE id = $1', [id]);
}

export async function saveEstimate(q: Queryable, id: string, estimate: StoredEstimate): Promise<void> {
  await q.query('UPDATE clone_operations SET estimate = $2 WHERE id = $1', [id, json(estimate)]);
}

export async function saveSanitization(q: Queryable, id: string, results: SanitizationResult[], proof: Proof, ruleResults: RuleResult[] = []): Promise<void> {
  await q.query('UPDATE clone_operations SET sanitization_result = $2, proof = $3, sanitization_rule_results = $4 WHERE id = $1', [
    id,
    json(results),
    json(proof),
    json(ruleResults),
  ]);
}

export interface FailWrite {
  steps: StepState[];
  error: OperationError;
  keepTarget: boolean;
}

/** A running attempt ends failed; cleanup is pending. False when something else finished it first. */
export async function failOperation(q: Queryable, id: string, run: RunFence, f: FailWrite, now: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE clone_operations
        SET status = 'failed', steps = $3, error = $4, keep_target = $5, cleanup = 'pending', finished_at = $6,
            updated_at = $6
      WHERE id = $1 AND attempt = $2 AND owner = $7 AND status NOT IN ${TERMINAL_SQL}`,
    [id, run.attempt, json(f.steps), json(f.error), f.keepTarget, now, run.owner],
  );
  return (rowCount ?? 0) > 0;
}

export async function completeOperation(q: Queryable, id: string, run: RunFence, steps: StepState[], now: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE clone_operations
        SET status = 'completed', steps = $3, progress_percent = 100, finished_at = $4, updated_at = $4
      WHERE id = $1 AND attempt = $2 AND owner = $5 AND status NOT IN ${TERMINAL_SQL} AND cancel_requested_at IS NULL`,
    [id, run.attempt, json(steps), now, run.owner],
  );
  return (rowCount ?? 0) > 0;
}

/** The next fencing attempt (cleanup, restart): agents abort and refuse the older ones. */
export async function bumpAttempt(q: Queryable, id: string): Promise<number> {
  const { rows } = await q.query<{ attempt: number }>(
    'UPDATE clone_operations SET attempt = attempt + 1, updated_at = now() WHERE id = $1 RETURNING attempt',
    [id],
  );
  return rows[0]?.attempt ?? 0;
}

export async function setCleanup(q: Queryable, id: string, state: CleanupState): Promise<void> {
  await q.query('UPDATE clone_operations SET cleanup = $2, updated_at = now() WHERE id = $1', [id, state]);
}

export interface PendingCandidate {
  id: string;
  server_id: string;
  source_server_id: string;
  /** Each involved server's limit and how many operations move data there now. */
  servers: { id: string; clone_concurrency: number; running: number }[];
}

/**
 * Pending operations, oldest first, with the limit and load of each server they involve (one on
 * one server; the source's and the target's across servers: both move data).
 */
export async function pendingCandidates(q: Queryable, limit = 100): Promise<PendingCandidate[]> {
  const { rows } = await q.query<PendingCandidate>(
    `SELECT o.id, o.server_id, o.source_server_id,
            (SELECT json_agg(json_build_object('id', s.id, 'clone_concurrency', s.clone_concurrency,
                    'running', (SELECT COUNT(*) FROM clone_operations r
                                 WHERE (r.server_id = s.id OR r.source_server_id = s.id)
                                   AND r.status NOT IN ${NOT_RUNNING_SQL})))
               FROM servers s WHERE s.id IN (o.server_id, o.source_server_id)) AS servers
       FROM clone_operations o
      WHERE o.status = 'pending' AND o.cancel_requested_at IS NULL
      ORDER BY o.started_at, o.id
      LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ ...r, servers: r.servers.map((s) => ({ ...s, running: Number(s.running) })) }));
}

/** Finished operations whose cleanup has not run yet. */
export async function cleanupCandidates(q: Queryable): Promise<{ id: string; server_id: string }[]> {
  const { rows } = await q.query<{ id: string; server_id: string }>(
    `SELECT id, server_id FROM clone_operations
      WHERE cleanup = 'pending' AND status IN ${FAILED_OR_CANCELLED_SQL} ORDER BY finished_at, id LIMIT 100`,
  );
  return rows;
}
