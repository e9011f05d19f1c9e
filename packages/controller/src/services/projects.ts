// Projects: environments are grouped in projects, which belong to one organization.
import { randomBytes } from 'node:crypto';
import { Permission } from '@oec/shared';
import type { CreateProject, Project, UpdateProject } from '@oec/shared';
import type { Actor, OrgAccess } from '../auth/permissions.js';
import { requirePermission } from '../auth/permissions.js';
import type { Queryable } from '../db/pool.js';
import type { AppDeps } from '../deps.js';
import { loadOwned, organizationAccess, visibleOrganizationIds } from './access.js';

type Deps = Pick<AppDeps, 'db' | 'ids'>;

export interface ProjectRow {
  id: string;
  organization_id: string;
  name: string;
  repository_url: string | null;
  sanitization_strict: boolean;
  personal_data_kept: string[];
  created_at: Date;
}

const PROJECT_COLUMNS = 'id, organization_id, name, repository_url, sanitization_strict, personal_data_kept, created_at';
const PROJECT_SELECT = `SELECT ${PROJECT_COLUMNS} FROM projects`;

function toProject(r: ProjectRow): Project {
  return { ...r, created_at: r.created_at.toISOString() };
}

/** A project and the actor's access to its organization (PROJECT_NOT_FOUND otherwise). */
export function projectAccess(q: Queryable, actor: Actor, id: string): Promise<{ row: ProjectRow; access: OrgAccess }> {
  return loadOwned<ProjectRow>(q, actor, `${PROJECT_SELECT} WHERE id = $1`, id, 'PROJECT_NOT_FOUND');
}

export async function createProject(deps: Deps, actor: Actor, input: CreateProject): Promise<Project> {
  const access = await organizationAccess(deps.db, actor, input.organization_id);
  requirePermission(access, Permission.PROJECTS_MANAGE);
  // The salt keys the project's sanitization pseudonyms (clone/store/target-environment.ts
  // fills older rows).
  const { rows } = await deps.db.query<ProjectRow>(
    `INSERT INTO projects (id, organization_id, name, repository_url, sanitize_salt) VALUES ($1, $2, $3, $4, $5)
     RETURNING ${PROJECT_COLUMNS}`,
    [deps.ids.uuid(), input.organization_id, input.name, input.repository_url ?? null, randomBytes(24).toString('hex')],
  );
  return toProject(rows[0] as ProjectRow);
}

export async function listProjects(deps: Deps, actor: Actor, organizationId?: string): Promise<Project[]> {
  if (organizationId !== undefined) {
    await organizationAccess(deps.db, actor, organizationId);
    const { rows } = await deps.db.query<ProjectRow>(
      `${PROJECT_SELECT} WHERE organization_id = $1 ORDER BY created_at, id`,
      [organizationId],
    );
    return rows.map(toProject);
  }
  const orgIds = await visibleOrganizationIds(deps.db, actor);
  const { rows } = await deps.db.query<ProjectRow>(
    `${PROJECT_SELECT} WHERE $1::uuid[] IS NULL OR organization_id = ANY($1::uuid[]) ORDER BY created_at, id`,
    [orgIds],
  );
  return rows.map(toProject);
}

export async function getProject(deps: Deps, actor: Actor, id: string): Promise<Project> {
  const { row, access } = await projectAccess(deps.db, actor, id);
  requirePermission(access, Permission.ENVIRONMENTS_READ);
  return toProject(row);
}

/** The project's sanitization settings (strict mode, kept columns): admin role. */
export async function updateProject(deps: Deps, actor: Actor, id: string, input: UpdateProject): Promise<Project> {
  const { access } = await projectAccess(deps.db, actor, id);
  requirePermission(access, Permission.PROJECTS_MANAGE);
  const kept = input.personal_data_kept ? [...new Set(input.personal_data_kept)].sort() : null;
  const { rows } = await deps.db.query<ProjectRow>(
    `UPDATE projects SET sanitization_strict = COALESCE($2, sanitization_strict), personal_data_kept = COALESCE($3::text[], personal_data_kept)
      WHERE id = $1 RETURNING ${PROJECT_COLUMNS}`,
    [id, input.sanitization_strict ?? null, kept],
  );
  return toProject(rows[0] as ProjectRow);
}

/** What the clone checks need of a project: its strictness and the columns kept on purpose. */
export async function projectSanitization(q: Queryable, projectId: string): Promise<{ strict: boolean; kept: string[] }> {
  const { rows } = await q.query<{ sanitization_strict: boolean; personal_data_kept: string[] }>(
    'SELECT sanitization_strict, personal_data_kept FROM projects WHERE id = $1',
    [projectId],
  );
  return { strict: rows[0]?.sanitization_strict ?? false, kept: rows[0]?.personal_data_kept ?? [] };
}
