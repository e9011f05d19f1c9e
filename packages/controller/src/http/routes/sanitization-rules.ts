// REST: /api/v1/projects/{id}/sanitization-rules — the project's custom sanitization rules and
// sensitive models (GET: anyone who can read the project; PUT replaces them: organization admins).
import { Hono } from 'hono';
import { putSanitizationRulesSchema, sanitizationRulesResponseSchema } from '@oec/shared';
import type { AppDeps } from '../../deps.js';
import { getSanitizationRules, putSanitizationRules } from '../../services/sanitization-rules.js';
import type { AppEnv } from '../env.js';
import { pathId, readBody, reply } from '../validate.js';

const NF = 'PROJECT_NOT_FOUND';

/** Mounted under /api/v1/projects. */
export function sanitizationRuleRoutes(deps: AppDeps): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/:id/sanitization-rules', async (c) => reply(c, sanitizationRulesResponseSchema, await getSanitizationRules(deps, c.var.actor, pathId(c, NF))));
  r.put('/:id/sanitization-rules', async (c) => {
    const id = pathId(c, NF);
    const { rules, sensitive_models } = await readBody(c, putSanitizationRulesSchema);
    return reply(c, sanitizationRulesResponseSchema, await putSanitizationRules(deps, c.var.actor, id, rules, sensitive_models));
  });
  return r;
}
