// A project's custom sanitization rules and sensitive models: read by anyone who can read the
// project, replaced as a whole by its organization's admins (like PATCH /projects/{id}). Both are
// validated by the shared schemas before they get here (identifiers, the function catalogue, the
// filter's operators, model names).
import { MAX_RULES, Permission, sanitizationRulesSchema, sensitiveModelsSchema } from '@oec/shared';
import type { SanitizationRule, SanitizationRulesResponse } from '@oec/shared';
import type { Actor } from '../auth/permissions.js';
import { requirePermission } from '../auth/permissions.js';
import type { Queryable } from '../db/pool.js';
import type { AppDeps } from '../deps.js';
import { projectAccess } from './projects.js';

type Deps = Pick<AppDeps, 'db'>;

interface RulesRow {
  sanitization_rules: unknown;
  sensitive_models: string[];
  sanitization_rules_updated_at: Date | null;
}

function toResponse(projectId: string, r: RulesRow): SanitizationRulesResponse {
  return {
    project_id: projectId,
    // stored only after validation; parsed again so that a hand-edited row cannot reach an agent
    rules: sanitizationRulesSchema.parse(r.sanitization_rules),
    sensitive_models: sensitiveModelsSchema.parse(r.sensitive_models),
    updated_at: r.sanitization_rules_updated_at ? r.sanitization_rules_updated_at.toISOString() : null,
  };
}

export async function getSanitizationRules(deps: Deps, actor: Actor, projectId: string): Promise<SanitizationRulesResponse> {
  const { access } = await projectAccess(deps.db, actor, projectId);
  requirePermission(access, Permission.ENVIRONMENTS_READ);
  return toResponse(projectId, await loadRow(deps.db, projectId));
}

/** Replaces the rules; the sensitive models too when given (undefined keeps the stored list). */
export async function putSanitizationRules(
  deps: Deps,
  actor: Actor,
  projectId: string,
  rules: SanitizationRule[],
  sensitiveModels?: string[],
): Promise<SanitizationRulesResponse> {
  const { access } = await projectAccess(deps.db, actor, projectId);
  requirePermission(access, Permission.PROJECTS_MANAGE);
  const valid = sanitizationRulesSchema.parse(rules).slice(0, MAX_RULES);
  const models = sensitiveModels === undefined ? null : sensitiveModelsSchema.parse(sensitiveModels);
  const { rows } = await deps.db.query<RulesRow>(
    `UPDATE projects SET sanitization_rules = $2::jsonb, sensitive_models = coalesce($3::text[], sensitive_models),
            sanitization_rules_updated_at = now() WHERE id = $1
     RETURNING ${COLUMNS}`,
    [projectId, JSON.stringify(valid), models],
  );
  return toResponse(projectId, rows[0] as RulesRow);
}

const COLUMNS = 'sanitization_rules, sensitive_models, sanitization_rules_updated_at';

async function loadRow(q: Queryable, projectId: string): Promise<RulesRow> {
  const { rows } = await q.query<RulesRow>(`SELECT ${COLUMNS} FROM projects WHERE id = $1`, [projectId]);
  return rows[0] ?? { sanitization_rules: [], sensitive_models: [], sanitization_rules_updated_at: null };
}

/** The rules a clone of the project applies (frozen in its plan) and the estimate counts. */
export async function projectRules(q: Queryable, projectId: string): Promise<SanitizationRule[]> {
  const parsed = sanitizationRulesSchema.safeParse((await loadRow(q, projectId)).sanitization_rules);
  return parsed.success ? parsed.data : [];
}

/** The sensitive models a clone of the project freezes in its plan and the estimate counts. */
export async function projectSensitiveModels(q: Queryable, projectId: string): Promise<string[]> {
  const parsed = sensitiveModelsSchema.safeParse((await loadRow(q, projectId)).sensitive_models);
  return parsed.success ? parsed.data : [];
}
