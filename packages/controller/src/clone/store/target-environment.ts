// The environment rows a clone writes: the create_new target (inserted CREATING with the
// source's Odoo version, addons and resources, reserving quota like any creation), the
// project's sanitization salt, and row locks in a stable order.
import { randomBytes } from 'node:crypto';
import { environmentDbName } from '@oec/shared';
import type { EnvironmentType } from '@oec/shared';
import type { Queryable } from '../../db/pool.js';
import { loadEnvironment } from '../../services/environment-rows.js';
import type { EnvironmentRow } from '../../services/environment-rows.js';

export interface NewTargetRow {
  id: string;
  name: string;
  domain: string;
  type: EnvironmentType;
  source: EnvironmentRow;
  /** The target's server (the source's, or another one for a cross-server clone). */
  serverId: string;
}

export async function insertTargetEnvironment(q: Queryable, t: NewTargetRow): Promise<void> {
  const s = t.source;
  await q.query(
    `INSERT INTO environments (id, project_id, name, type, status, domain, server_id, odoo_version, database_name,
                               addons, cpu, ram_gb, disk_gb)
     VALUES ($1, $2, $3, $4, 'CREATING', $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      t.id,
      s.project_id,
      t.name,
      t.type,
      t.domain,
      t.serverId,
      s.odoo_version,
      environmentDbName(t.id),
      JSON.stringify(s.addons),
      s.cpu,
      s.ram_gb,
      s.disk_gb,
    ],
  );
}

/** The project's salt for keyed-hash pseudonyms: random, generated once, kept. */
export async function projectSalt(q: Queryable, projectId: string): Promise<string> {
  const fresh = randomBytes(24).toString('hex');
  const { rows } = await q.query<{ sanitize_salt: string }>(
    'UPDATE projects SET sanitize_salt = COALESCE(sanitize_salt, $2) WHERE id = $1 RETURNING sanitize_salt',
    [projectId, fresh],
  );
  return rows[0]?.sanitize_salt ?? fresh;
}

/** Lock environment rows FOR UPDATE in id order (no deadlock between two clones of a pair). */
export async function lockEnvironments(q: Queryable, ids: string[]): Promise<Map<string, EnvironmentRow>> {
  const out = new Map<string, EnvironmentRow>();
  for (const id of [...new Set(ids)].sort()) {
    const row = await loadEnvironment(q, id, true);
    if (row) out.set(id, row);
  }
  return out;
}

/**
 * Environments of the project on `serverId` whose filestores a cross-server clone may reuse files
 * from (the target's agent re-hashes each before linking it): those that hold data now.
 */
export async function donorEnvironments(q: Queryable, projectId: string, serverId: string, exclude: string[]): Promise<{ environment_id: string; db_name: string }[]> {
  const { rows } = await q.query<{ environment_id: string; db_name: string }>(
    `SELECT id AS environment_id, database_name AS db_name FROM environments
      WHERE project_id = $1 AND server_id = $2 AND status IN ('RUNNING', 'STOPPED') AND NOT (id = ANY($3::uuid[]))
      ORDER BY created_at DESC LIMIT 20`,
    [projectId, serverId, exclude],
  );
  return rows;
}
