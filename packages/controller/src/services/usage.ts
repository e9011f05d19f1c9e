// What an organization currently consumes, read inside the caller's transaction. CPU and RAM
// count for environments that are not STOPPED, or that are being started (so two concurrent
// starts cannot both fit in the last slot); disk and the count cover every environment.
import { AppError, ErrorCode } from '@oec/shared';
import type { Quota } from '@oec/shared';
import type { Queryable } from '../db/pool.js';
import type { Amounts } from './quota.js';

export async function loadUsage(q: Queryable, organizationId: string): Promise<Amounts> {
  const { rows } = await q.query<Amounts>(
    `SELECT COALESCE(SUM(e.cpu) FILTER (WHERE e.status <> 'STOPPED' OR e.action = 'start'), 0)::float8 AS cpu,
            COALESCE(SUM(e.ram_gb) FILTER (WHERE e.status <> 'STOPPED' OR e.action = 'start'), 0)::float8 AS ram_gb,
            COALESCE(SUM(e.disk_gb), 0)::float8 AS disk_gb,
            COUNT(e.id)::int AS environments
       FROM environments e JOIN projects p ON p.id = e.project_id
      WHERE p.organization_id = $1`,
    [organizationId],
  );
  return rows[0] ?? { cpu: 0, ram_gb: 0, disk_gb: 0, environments: 0 };
}

export const QUOTA_COLUMNS = `quota_cpu::float8 AS cpu, quota_ram_gb::float8 AS ram_gb,
  quota_disk_gb::float8 AS disk_gb, quota_environments AS environments`;

/**
 * Lock the organization row (FOR NO KEY UPDATE) and return its quota. Every quota reservation
 * takes this lock first, so concurrent creations and starts in one organization are serialized.
 * Not FOR UPDATE: that also blocks the FOR KEY SHARE of every foreign key check on the row, so a
 * replace clone (environment rows locked, then inserting its operation, which references the
 * organization) and a create_new clone (this lock, then the same environment rows) deadlocked —
 * a 500 to one of them (the load test, 20 clone requests at once).
 */
export async function lockQuota(q: Queryable, organizationId: string): Promise<Quota> {
  const { rows } = await q.query<Quota>(`SELECT ${QUOTA_COLUMNS} FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, [
    organizationId,
  ]);
  const quota = rows[0];
  if (!quota) throw new AppError(ErrorCode.ORGANIZATION_NOT_FOUND, 'Organization not found');
  return quota;
}
