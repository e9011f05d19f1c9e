// tRPC: environments — list (of a project), get, create, start, stop, destroy.
import { environmentSchema, listOf, uuidSchema } from '@oec/shared';
import { z } from 'zod';
import { createEnvironmentInput, idInput } from '../schemas.js';
import { destroyEnvironment, startEnvironment, stopEnvironment } from '../services/environment-actions.js';
import { createEnvironment, getEnvironment, listEnvironments } from '../services/environments.js';
import { authedProcedure, router } from './trpc.js';

export const environmentsRouter = router({
  list: authedProcedure
    .input(z.object({ project_id: uuidSchema }).strict())
    .output(listOf(environmentSchema))
    .query(async ({ ctx, input }) => ({ items: await listEnvironments(ctx.deps, ctx.actor, input.project_id) })),
  get: authedProcedure
    .input(idInput)
    .output(environmentSchema)
    .query(({ ctx, input }) => getEnvironment(ctx.deps, ctx.actor, input.id)),
  create: authedProcedure
    .input(createEnvironmentInput.extend({ project_id: uuidSchema }))
    .output(environmentSchema)
    .mutation(({ ctx, input: { project_id, ...env } }) => createEnvironment(ctx.deps, ctx.actor, project_id, env)),
  start: authedProcedure
    .input(idInput)
    .output(environmentSchema)
    .mutation(({ ctx, input }) => startEnvironment(ctx.deps, ctx.actor, input.id)),
  stop: authedProcedure
    .input(idInput)
    .output(environmentSchema)
    .mutation(({ ctx, input }) => stopEnvironment(ctx.deps, ctx.actor, input.id)),
  destroy: authedProcedure
    .input(idInput)
    .output(environmentSchema)
    .mutation(({ ctx, input }) => destroyEnvironment(ctx.deps, ctx.actor, input.id)),
});
