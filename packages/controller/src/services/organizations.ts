// Organizations: creation (the creator becomes owner; quotas are the platform admins' call),
// listing, reading, usage against quota.
import { AppError, ErrorCode, Permission } from '@oec/shared';
import type { CreateOrganization, Organization, Quota, Role, Usage } from '@oec/shared';
import type { Actor } from '../auth/permissions.js';
import { requirePermission } from '../auth/permissions.js';
import type { AppDeps } from '../deps.js';
import { organizationAccess } from './access.js';
import { usageReport } from './quota.js';
import { QUOTA_COLUMNS, loadUsage } from './usage.js';

export const DEFAULT_QUOTA: Quota = { cpu: 16, ram_gb: 32, disk_gb: 500, environments: 10 };

type Deps = Pick<AppDeps, 'db' | 'ids'>;

interface OrgRow extends Quota {
  id: string;
  name: string;
  role: Role | null;
  created_at: Date;
}

const ORG_SELECT = `SELECT o.id, o.name, ${QUOTA_COLUMNS}, m.role, o.created_at
  FROM organizations o LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = $1 AND m.active`;

function toOrganization(r: OrgRow): Organization {
  return {
    id: r.id,
    name: r.name,
    quota: { cpu: r.cpu, ram_gb: r.ram_gb, disk_gb: r.disk_gb, environments: r.environments },
    role: r.role,
    created_at: r.created_at.toISOString(),
  };
}

export async function createOrganization(deps: Deps, actor: Actor, input: CreateOrganization): Promise<Organization> {
  // Quotas bound what a customer may consume: only the platform sets them.
  if (input.quota && !actor.isPlatformAdmin) {
    throw new AppError(ErrorCode.PERMISSION_DENIED, 'Only platform administrators set organization quotas', {
      field: 'quota',
    });
  }
  const id = deps.ids.uuid();
  const quota = input.quota ?? DEFAULT_QUOTA;
  await deps.db.tx(async (q) => {
    await q.query(
      `INSERT INTO organizations (id, name, quota_cpu, quota_ram_gb, quota_disk_gb, quota_environments)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, input.name, quota.cpu, quota.ram_gb, quota.disk_gb, quota.environments],
    );
    await q.query(`INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'owner')`, [id, actor.id]);
  });
  return getOrganization(deps, actor, id);
}

export async function listOrganizations(deps: Deps, actor: Actor): Promise<Organization[]> {
  const where = actor.isPlatformAdmin ? '' : 'WHERE m.role IS NOT NULL';
  const { rows } = await deps.db.query<OrgRow>(`${ORG_SELECT} ${where} ORDER BY o.created_at, o.id`, [actor.id]);
  return rows.map(toOrganization);
}

export async function getOrganization(deps: Deps, actor: Actor, id: string): Promise<Organization> {
  await organizationAccess(deps.db, actor, id);
  const { rows } = await deps.db.query<OrgRow>(`${ORG_SELECT} WHERE o.id = $2`, [actor.id, id]);
  // organizationAccess proved the row exists.
  return toOrganization(rows[0] as OrgRow);
}

export async function organizationUsage(deps: Deps, actor: Actor, id: string): Promise<Usage> {
  const access = await organizationAccess(deps.db, actor, id);
  requirePermission(access, Permission.ENVIRONMENTS_READ);
  const { rows } = await deps.db.query<Quota>(`SELECT ${QUOTA_COLUMNS} FROM organizations WHERE id = $1`, [id]);
  return usageReport(id, rows[0] as Quota, await loadUsage(deps.db, id));
}
