// Environment rows: the columns we read, the mapping to the API shape, and row locking.
import { AppError, ErrorCode } from '@oec/shared';
import type { AddonSource, Environment, EnvironmentStatus, EnvironmentType } from '@oec/shared';
import type { Actor, OrgAccess } from '../auth/permissions.js';
import type { Queryable } from '../db/pool.js';
import { loadOwned } from './access.js';

export type EnvironmentAction = 'create' | 'start' | 'stop' | 'destroy';

export interface EnvironmentRow {
  id: string;
  project_id: string;
  organization_id: string;
  name: string;
  type: EnvironmentType;
  status: EnvironmentStatus;
  domain: string;
  server_id: string;
  odoo_version: string;
  database_name: string;
  filestore_path: string | null;
  addons: AddonSource[];
  cpu: number;
  ram_gb: number;
  disk_gb: number;
  connection: { host: string; port: number; database: string; user: string } | null;
  action: EnvironmentAction | null;
  /** The strongest lease a clone operation holds on it (exclusive before shared), if any. */
  lease_mode: 'shared' | 'exclusive' | null;
  lease_operation_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export const ENV_COLUMNS = `e.id, e.project_id, p.organization_id, e.name, e.type, e.status, e.domain, e.server_id,
  e.odoo_version, e.database_name, e.filestore_path, e.addons, e.cpu::float8 AS cpu, e.ram_gb::float8 AS ram_gb,
  e.disk_gb::float8 AS disk_gb, e.connection, e.action, e.created_at, e.updated_at,
  (SELECT l.mode FROM environment_leases l WHERE l.environment_id = e.id
    ORDER BY l.mode = 'exclusive' DESC, l.acquired_at LIMIT 1) AS lease_mode,
  (SELECT l.operation_id FROM environment_leases l WHERE l.environment_id = e.id
    ORDER BY l.mode = 'exclusive' DESC, l.acquired_at LIMIT 1) AS lease_operation_id`;

export const ENV_FROM = 'environments e JOIN projects p ON p.id = e.project_id';

/** Statuses in which another lifecycle action must wait. */
const BUSY_STATUSES: readonly EnvironmentStatus[] = ['CREATING', 'DESTROYING', 'CLONING', 'DEPLOYING'];

export function toEnvironment(r: EnvironmentRow, showConnection: boolean): Environment {
  return {
    id: r.id,
    project_id: r.project_id,
    name: r.name,
    type: r.type,
    status: r.status,
    domain: r.domain,
    url: `https://${r.domain}`,
    server_id: r.server_id,
    odoo_version: r.odoo_version,
    database_name: r.database_name,
    filestore_path: r.filestore_path,
    addons: r.addons,
    resources: { cpu: r.cpu, ram_gb: r.ram_gb, disk_gb: r.disk_gb },
    ...(showConnection ? { connection: r.connection } : {}),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

export async function loadEnvironment(q: Queryable, id: string, forUpdate = false): Promise<EnvironmentRow | null> {
  const { rows } = await q.query<EnvironmentRow>(
    `SELECT ${ENV_COLUMNS} FROM ${ENV_FROM} WHERE e.id = $1${forUpdate ? ' FOR UPDATE OF e' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

/** An environment and the actor's access to its organization (ENVIRONMENT_NOT_FOUND otherwise). */
export function environmentAccess(
  q: Queryable,
  actor: Actor,
  id: string,
): Promise<{ row: EnvironmentRow; access: OrgAccess }> {
  return loadOwned<EnvironmentRow>(q, actor, `SELECT ${ENV_COLUMNS} FROM ${ENV_FROM} WHERE e.id = $1`, id, 'ENVIRONMENT_NOT_FOUND');
}

/** 409 ENVIRONMENT_BUSY while a lifecycle action or a clone operation (lease) holds the environment. */
export function assertIdle(r: EnvironmentRow): void {
  if (r.action !== null || BUSY_STATUSES.includes(r.status) || r.lease_mode !== null) {
    const what = r.action ?? (r.lease_mode !== null ? 'clone' : r.status.toLowerCase());
    throw new AppError(
      ErrorCode.ENVIRONMENT_BUSY,
      `Environment ${r.name} is busy (${what} in progress); try again when it finishes`,
      { environment_id: r.id, status: r.status, action: r.action, lease: r.lease_mode, operation_id: r.lease_operation_id },
    );
  }
}

export function assertStatus(r: EnvironmentRow, allowed: readonly EnvironmentStatus[], verb: string): void {
  if (!allowed.includes(r.status)) {
    throw new AppError(
      ErrorCode.INVALID_ENVIRONMENT_STATUS,
      `Cannot ${verb} environment ${r.name} while it is ${r.status} (allowed: ${allowed.join(', ')})`,
      { environment_id: r.id, status: r.status, allowed },
    );
  }
}
