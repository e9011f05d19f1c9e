// Start, stop and destroy: each claims the environment (row lock, not busy, allowed status),
// answers 202 with the environment as it is, and runs the agent task in the background.
// Starting re-checks CPU and RAM quota, since a STOPPED environment does not hold any.
import { AppError, ErrorCode, Permission } from '@oec/shared';
import type { Environment, EnvironmentStatus } from '@oec/shared';
import type { Actor, OrgAccess } from '../auth/permissions.js';
import { canSeeConnection, requirePermission } from '../auth/permissions.js';
import type { Queryable } from '../db/pool.js';
import type { AppDeps } from '../deps.js';
import { destroyEnvironmentNow, runPowerAction } from './environment-lifecycle.js';
import { assertIdle, assertStatus, environmentAccess, loadEnvironment, toEnvironment } from './environment-rows.js';
import type { EnvironmentAction, EnvironmentRow } from './environment-rows.js';
import { assertQuota } from './quota.js';
import { loadUsage, lockQuota } from './usage.js';

async function assertReachable(deps: AppDeps, serverId: string): Promise<void> {
  if (!(await deps.hub.confirmConnected(serverId))) {
    throw new AppError(ErrorCode.SERVER_UNREACHABLE, 'The environment’s server is not reachable (its agent is not connected)', {
      server_id: serverId,
    });
  }
}

async function claim(
  q: Queryable,
  id: string,
  action: EnvironmentAction,
  status: EnvironmentStatus | null,
): Promise<EnvironmentRow> {
  await q.query(
    `UPDATE environments SET action = $2, action_owner = current_setting('oec.replica', true), status = COALESCE($3, status),
            updated_at = now() WHERE id = $1`,
    [id, action, status],
  );
  return (await loadEnvironment(q, id)) as EnvironmentRow;
}

async function lockIdle(q: Queryable, id: string): Promise<EnvironmentRow> {
  const row = await loadEnvironment(q, id, true);
  if (!row) throw new AppError(ErrorCode.ENVIRONMENT_NOT_FOUND, 'Environment not found', { id });
  assertIdle(row);
  return row;
}

/** The environment, when the actor has `permission` on it, it is idle and its agent is connected. */
async function actionable(
  deps: AppDeps,
  actor: Actor,
  id: string,
  permission: Permission,
): Promise<{ env: EnvironmentRow; access: OrgAccess }> {
  const { row: env, access } = await environmentAccess(deps.db, actor, id);
  requirePermission(access, permission);
  assertIdle(env);
  await assertReachable(deps, env.server_id);
  return { env, access };
}

export async function startEnvironment(deps: AppDeps, actor: Actor, id: string): Promise<Environment> {
  const { env, access } = await actionable(deps, actor, id, Permission.ENVIRONMENTS_UPDATE);
  const row = await deps.db.tx(async (q) => {
    const quota = await lockQuota(q, env.organization_id);
    const cur = await lockIdle(q, id);
    assertStatus(cur, ['STOPPED', 'FAILED'], 'start');
    // A FAILED environment still counts against CPU and RAM; a STOPPED one must fit again.
    if (cur.status === 'STOPPED') assertQuota(quota, await loadUsage(q, env.organization_id), { cpu: cur.cpu, ram_gb: cur.ram_gb });
    return claim(q, id, 'start', null);
  });
  deps.jobs.spawn(`start environment ${id}`, () => runPowerAction(deps, id, 'start'));
  return toEnvironment(row, canSeeConnection(access));
}

export async function stopEnvironment(deps: AppDeps, actor: Actor, id: string): Promise<Environment> {
  const { access } = await actionable(deps, actor, id, Permission.ENVIRONMENTS_UPDATE);
  const row = await deps.db.tx(async (q) => {
    const cur = await lockIdle(q, id);
    assertStatus(cur, ['RUNNING', 'FAILED'], 'stop');
    return claim(q, id, 'stop', null);
  });
  deps.jobs.spawn(`stop environment ${id}`, () => runPowerAction(deps, id, 'stop'));
  return toEnvironment(row, canSeeConnection(access));
}

export async function destroyEnvironment(deps: AppDeps, actor: Actor, id: string): Promise<Environment> {
  const { access } = await actionable(deps, actor, id, Permission.ENVIRONMENTS_DELETE);
  const row = await deps.db.tx(async (q) => {
    await lockIdle(q, id);
    return claim(q, id, 'destroy', 'DESTROYING');
  });
  deps.jobs.spawn(`destroy environment ${id}`, () => destroyEnvironmentNow(deps, id));
  return toEnvironment(row, canSeeConnection(access));
}
