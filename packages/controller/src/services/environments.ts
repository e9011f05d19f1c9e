// Environments: listing, reading and creating. Creation reserves quota in the transaction that
// inserts the row (lockQuota: the organization row FOR NO KEY UPDATE), answers 202 with the
// environment in CREATING, and provisions it in the background (env.create, then env.start on the
// agent).
import { AppError, ErrorCode, Permission, TargetConfigReason, environmentDbName } from '@oec/shared';
import type { Environment, createEnvironmentSchema } from '@oec/shared';
import type { z } from 'zod';
import type { Actor } from '../auth/permissions.js';
import { canSeeConnection, notFound, requirePermission } from '../auth/permissions.js';
import type { Queryable } from '../db/pool.js';
import { uniqueViolation } from '../db/pool.js';
import type { AppDeps } from '../deps.js';
import { ENV_COLUMNS, ENV_FROM, environmentAccess, toEnvironment } from './environment-rows.js';
import type { EnvironmentRow } from './environment-rows.js';
import { provisionEnvironment } from './environment-lifecycle.js';
import { projectAccess } from './projects.js';
import { assertQuota } from './quota.js';
import { loadServer } from './servers.js';
import { loadUsage, lockQuota } from './usage.js';

export type CreateEnvironmentInput = z.output<typeof createEnvironmentSchema>;

/** `<name>-<first 8 of id>.<base domain>`: unique because ids are. */
export function generatedDomain(name: string, id: string, baseDomain: string): string {
  return `${name}-${id.slice(0, 8)}.${baseDomain}`;
}

function targetConfig(reason: TargetConfigReason, message: string, details: Record<string, unknown>): AppError {
  return new AppError(ErrorCode.INVALID_TARGET_CONFIG, message, { reason, ...details });
}

export const nameTaken = (name: string) =>
  targetConfig(TargetConfigReason.NAME_TAKEN, `An environment named "${name}" already exists in this project`, {
    field: 'name',
    name,
  });

export const domainTaken = (domain: string) =>
  targetConfig(TargetConfigReason.DOMAIN_TAKEN, `The domain ${domain} is already in use`, { field: 'domain', domain });

export async function assertNameAndDomainFree(q: Queryable, projectId: string, name: string, domain: string): Promise<void> {
  const { rows } = await q.query<{ name_taken: boolean; domain_taken: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM environments WHERE project_id = $1 AND name = $2) AS name_taken,
            EXISTS (SELECT 1 FROM environments WHERE domain = $3) AS domain_taken`,
    [projectId, name, domain],
  );
  if (rows[0]?.name_taken) throw nameTaken(name);
  if (rows[0]?.domain_taken) throw domainTaken(domain);
}

export async function createEnvironment(
  deps: AppDeps,
  actor: Actor,
  projectId: string,
  input: CreateEnvironmentInput,
): Promise<Environment> {
  const { row: project, access } = await projectAccess(deps.db, actor, projectId);
  requirePermission(access, Permission.ENVIRONMENTS_CREATE);
  const id = deps.ids.uuid();
  const domain = input.domain ?? generatedDomain(input.name, id, deps.settings.baseDomain);
  await assertNameAndDomainFree(deps.db, projectId, input.name, domain);

  const server = await loadServer(deps.db, input.server_id);
  if (!server || server.organization_id !== project.organization_id) {
    throw notFound(ErrorCode.SERVER_NOT_FOUND, input.server_id);
  }
  if (server.status !== 'RUNNING' || !(await deps.hub.confirmConnected(server.id))) {
    throw new AppError(ErrorCode.SERVER_UNREACHABLE, `Server ${server.name} is not reachable (its agent is not connected)`, {
      server_id: server.id,
      status: server.status,
    });
  }

  const { resources } = input;
  let row: EnvironmentRow;
  try {
    row = await deps.db.tx(async (q) => {
      const quota = await lockQuota(q, project.organization_id);
      await assertNameAndDomainFree(q, projectId, input.name, domain);
      assertQuota(quota, await loadUsage(q, project.organization_id), { ...resources, environments: 1 });
      await q.query(
        `INSERT INTO environments (id, project_id, name, type, status, domain, server_id, odoo_version, database_name,
                                   addons, cpu, ram_gb, disk_gb, action)
         VALUES ($1, $2, $3, $4, 'CREATING', $5, $6, $7, $8, $9, $10, $11, $12, 'create')`,
        [
          id,
          projectId,
          input.name,
          input.environment_type,
          domain,
          server.id,
          input.odoo_version,
          environmentDbName(id),
          JSON.stringify(input.addons),
          resources.cpu,
          resources.ram_gb,
          resources.disk_gb,
        ],
      );
      const { rows } = await q.query<EnvironmentRow>(`SELECT ${ENV_COLUMNS} FROM ${ENV_FROM} WHERE e.id = $1`, [id]);
      return rows[0] as EnvironmentRow;
    });
  } catch (err) {
    // Lost a race with a concurrent creation: same answer as the pre-check.
    const constraint = uniqueViolation(err);
    if (constraint === 'environments_project_name_key') throw nameTaken(input.name);
    if (constraint === 'environments_domain_key') throw domainTaken(domain);
    throw err;
  }
  deps.jobs.spawn(`provision environment ${id}`, () => provisionEnvironment(deps, id));
  return toEnvironment(row, canSeeConnection(access));
}

export async function listEnvironments(deps: AppDeps, actor: Actor, projectId: string): Promise<Environment[]> {
  const { access } = await projectAccess(deps.db, actor, projectId);
  requirePermission(access, Permission.ENVIRONMENTS_READ);
  const { rows } = await deps.db.query<EnvironmentRow>(
    `SELECT ${ENV_COLUMNS} FROM ${ENV_FROM} WHERE e.project_id = $1 ORDER BY e.created_at, e.id`,
    [projectId],
  );
  const show = canSeeConnection(access);
  return rows.map((r) => toEnvironment(r, show));
}

export async function getEnvironment(deps: AppDeps, actor: Actor, id: string): Promise<Environment> {
  const { row, access } = await environmentAccess(deps.db, actor, id);
  requirePermission(access, Permission.ENVIRONMENTS_READ);
  return toEnvironment(row, canSeeConnection(access));
}
