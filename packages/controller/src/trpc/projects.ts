// tRPC: projects — list, get, create; the custom sanitization rules (read; PUT is REST/CLI).
import { listOf, projectSchema, sanitizationRulesResponseSchema } from '@oec/shared';
import { createProjectInput, idInput, organizationFilter } from '../schemas.js';
import { createProject, getProject, listProjects } from '../services/projects.js';
import { getSanitizationRules } from '../services/sanitization-rules.js';
import { authedProcedure, router } from './trpc.js';

export const projectsRouter = router({
  list: authedProcedure
    .input(organizationFilter.strict().optional())
    .output(listOf(projectSchema))
    .query(async ({ ctx, input }) => ({ items: await listProjects(ctx.deps, ctx.actor, input?.organization_id) })),
  get: authedProcedure
    .input(idInput)
    .output(projectSchema)
    .query(({ ctx, input }) => getProject(ctx.deps, ctx.actor, input.id)),
  create: authedProcedure
    .input(createProjectInput)
    .output(projectSchema)
    .mutation(({ ctx, input }) => createProject(ctx.deps, ctx.actor, input)),
  sanitizationRules: authedProcedure
    .input(idInput)
    .output(sanitizationRulesResponseSchema)
    .query(({ ctx, input }) => getSanitizationRules(ctx.deps, ctx.actor, input.id)),
});
