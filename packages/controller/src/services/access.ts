// Loading an object together with the actor's access to its organization. Every read or write
// of an organization-owned object goes through one of these, so "not yours" is always a 404.
import type { Queryable } from '../db/pool.js';
import { membershipRole } from '../auth/authenticate.js';
import { resolveAccess } from '../auth/permissions.js';
import type { Actor, NotFoundCode, OrgAccess } from '../auth/permissions.js';
import type { Role } from '@oec/shared';
import { notFound } from '../auth/permissions.js';

export async function organizationAccess(
  q: Queryable,
  actor: Actor,
  organizationId: string,
  notFoundCode: NotFoundCode = 'ORGANIZATION_NOT_FOUND',
  objectId: string = organizationId,
): Promise<OrgAccess> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM organizations WHERE id = $1', [organizationId]);
  if (!rows[0]) throw notFound(notFoundCode, objectId);
  const role = await membershipRole(q, actor.id, organizationId);
  return resolveAccess(actor, organizationId, role, notFoundCode, objectId);
}

/**
 * Load a row by id (the query must select `organization_id`) and the actor's access to its
 * organization, in one query (the row and the actor's active membership, both by primary key);
 * unknown ids and other organizations' objects both answer `notFoundCode`.
 */
export async function loadOwned<R extends { organization_id: string }>(
  q: Queryable,
  actor: Actor,
  sql: string,
  id: string,
  notFoundCode: NotFoundCode,
): Promise<{ row: R; access: OrgAccess }> {
  const { rows } = await q.query<R & { oec_member_role?: Role | null }>(
    `SELECT owned.*, m.role AS oec_member_role FROM (${sql}) owned
       LEFT JOIN memberships m ON m.organization_id = owned.organization_id AND m.user_id = $2 AND m.active`,
    [id, actor.id],
  );
  const row = rows[0];
  if (!row) throw notFound(notFoundCode, id);
  const role = row.oec_member_role ?? null;
  delete row.oec_member_role;
  return { row, access: resolveAccess(actor, row.organization_id, role, notFoundCode, id) };
}

/** Organization ids whose objects the actor may list (all, for platform admins: null). */
export async function visibleOrganizationIds(q: Queryable, actor: Actor): Promise<string[] | null> {
  if (actor.isPlatformAdmin) return null;
  const { rows } = await q.query<{ organization_id: string }>(
    'SELECT organization_id FROM memberships WHERE user_id = $1 AND active',
    [actor.id],
  );
  return rows.map((r) => r.organization_id);
}
