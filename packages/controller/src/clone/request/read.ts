// Reading clone operations: one (with the one-time password for its requester), the lists of a
// project, of an environment and of the whole platform (admins), and an operation's log. Reading
// one costs one query (the row, its target and the actor's membership, by primary key); a
// running operation's progress comes from this process's memory when it runs here, fresher
// than its row, whose progress writes are coalesced.
import { AppError, ErrorCode, Permission } from '@oec/shared';
import type { CloneOperation, CloneStatus, LogsResponse } from '@oec/shared';
import { requirePermission } from '../../auth/permissions.js';
import type { Actor, OrgAccess } from '../../auth/permissions.js';
import type { AppDeps } from '../../deps.js';
import { loadOwned } from '../../services/access.js';
import { environmentAccess } from '../../services/environment-rows.js';
import { projectAccess } from '../../services/projects.js';
import { withLive } from '../model/live.js';
import { readLogs } from '../store/logs.js';
import { OP_COLUMNS, OP_FROM } from '../store/operation-row.js';
import type { OperationRow } from '../store/operation-row.js';
import { listOperations } from '../store/operations.js';
import { toCloneOperation } from './view.js';

export interface ListQuery {
  status?: CloneStatus | undefined;
  limit: number;
}

/** Listed operations as the API shows them, all at the same "now". */
function shown(deps: Pick<AppDeps, 'clock'>, rows: OperationRow[]): CloneOperation[] {
  const now = deps.clock.now();
  return rows.map((r) => toCloneOperation(r, now));
}

/** An operation and the actor's access to its organization (CLONE_NOT_FOUND otherwise), in one query. */
export function operationAccess(deps: Pick<AppDeps, 'db'>, actor: Actor, id: string): Promise<{ row: OperationRow; access: OrgAccess }> {
  return loadOwned<OperationRow>(deps.db, actor, `SELECT ${OP_COLUMNS} FROM ${OP_FROM} WHERE o.id = $1`, id, 'CLONE_NOT_FOUND');
}

/** The operation; its requester's first read after completion carries the generated password. */
export async function getClone(deps: AppDeps, actor: Actor, id: string, revealSecret = true): Promise<CloneOperation> {
  const { row: stored, access } = await operationAccess(deps, actor, id);
  requirePermission(access, Permission.ENVIRONMENTS_READ);
  const row = withLive(stored, deps.clones.live.get(id));
  const secret = revealSecret && row.status === 'completed' ? await deps.clones.secrets.take(row.id, actor.id) : null;
  return toCloneOperation(row, deps.clock.now(), secret);
}

export async function listProjectClones(deps: AppDeps, actor: Actor, projectId: string, q: ListQuery): Promise<CloneOperation[]> {
  const { access } = await projectAccess(deps.db, actor, projectId);
  requirePermission(access, Permission.ENVIRONMENTS_READ);
  return shown(deps, await listOperations(deps.db, { projectId, status: q.status, limit: q.limit }));
}

/** Operations with the environment as source or target. */
export async function listEnvironmentClones(deps: AppDeps, actor: Actor, environmentId: string, q: ListQuery): Promise<CloneOperation[]> {
  const { access } = await environmentAccess(deps.db, actor, environmentId);
  requirePermission(access, Permission.ENVIRONMENTS_READ);
  return shown(deps, await listOperations(deps.db, { environmentId, status: q.status, limit: q.limit }));
}

export function requirePlatformAdmin(actor: Actor): void {
  if (!actor.isPlatformAdmin) throw new AppError(ErrorCode.PERMISSION_DENIED, 'Platform administrators only');
}

export async function listAllClones(
  deps: AppDeps,
  actor: Actor,
  q: ListQuery & { organization_id?: string | undefined },
): Promise<CloneOperation[]> {
  requirePlatformAdmin(actor);
  const rows = await listOperations(deps.db, {
    organizationIds: q.organization_id ? [q.organization_id] : null,
    status: q.status,
    limit: q.limit,
  });
  return shown(deps, rows);
}

export async function cloneLogs(
  deps: AppDeps,
  actor: Actor,
  id: string,
  q: { after?: number | undefined; limit: number },
): Promise<LogsResponse> {
  const { access } = await operationAccess(deps, actor, id);
  requirePermission(access, Permission.ENVIRONMENTS_READ);
  return readLogs(deps.db, id, q.after ?? 0, q.limit);
}
