// tRPC: clones — clone, estimate, get, logs, cancel, retry, listByProject, listByEnvironment,
// the admins' list/cancel/retry, and `progress`: a subscription (SSE) yielding the operation
// each time it changes until it has finished and cleaned up (clone/request/watch.ts).
import { cancelResponseSchema, cloneOperationSchema, estimateSchema, listOf, logsResponseSchema, uuidSchema } from '@oec/shared';
import { cancelClone, retryClone } from '../clone/request/cancel-retry.js';
import { requestClone } from '../clone/request/create.js';
import { estimateClone } from '../clone/request/estimate.js';
import { cloneLogs, getClone, listAllClones, listEnvironmentClones, listProjectClones } from '../clone/request/read.js';
import { watchClone } from '../clone/request/watch.js';
import { adminCloneListQuery, cloneListQuery, cloneLogsQuery, cloneRequestInput, idInput } from '../schemas.js';
import { adminProcedure, appErrorStream, authedProcedure, router } from './trpc.js';

const withSource = cloneRequestInput.extend({ environment_id: uuidSchema });
const operations = listOf(cloneOperationSchema);
export const clonesRouter = router({
  clone: authedProcedure
    .input(withSource)
    .output(cloneOperationSchema)
    .mutation(({ ctx, input: { environment_id, ...req } }) => requestClone(ctx.deps, ctx.actor, environment_id, req)),
  estimate: authedProcedure
    .input(withSource)
    .output(estimateSchema)
    .query(({ ctx, input: { environment_id, ...req } }) => estimateClone(ctx.deps, ctx.actor, environment_id, req)),
  get: authedProcedure
    .input(idInput)
    .output(cloneOperationSchema)
    .query(({ ctx, input }) => getClone(ctx.deps, ctx.actor, input.id)),
  logs: authedProcedure
    .input(cloneLogsQuery.extend({ id: uuidSchema }).strict())
    .output(logsResponseSchema)
    .query(({ ctx, input: { id, ...q } }) => cloneLogs(ctx.deps, ctx.actor, id, q)),
  cancel: authedProcedure
    .input(idInput)
    .output(cancelResponseSchema)
    .mutation(({ ctx, input }) => cancelClone(ctx.deps, ctx.actor, input.id)),
  retry: authedProcedure
    .input(idInput)
    .output(cloneOperationSchema)
    .mutation(({ ctx, input }) => retryClone(ctx.deps, ctx.actor, input.id)),
  listByProject: authedProcedure
    .input(cloneListQuery.extend({ project_id: uuidSchema }).strict())
    .output(operations)
    .query(async ({ ctx, input: { project_id, ...q } }) => ({ items: await listProjectClones(ctx.deps, ctx.actor, project_id, q) })),
  listByEnvironment: authedProcedure
    .input(cloneListQuery.extend({ environment_id: uuidSchema }).strict())
    .output(operations)
    .query(async ({ ctx, input: { environment_id, ...q } }) => ({
      items: await listEnvironmentClones(ctx.deps, ctx.actor, environment_id, q),
    })),
  progress: authedProcedure
    .input(idInput)
    .subscription(({ ctx, input, signal }) => appErrorStream(watchClone(ctx.deps, ctx.actor, input.id, signal ?? new AbortController().signal))),
  admin: router({
    list: adminProcedure
      .input(adminCloneListQuery.strict().optional())
      .output(operations)
      .query(async ({ ctx, input }) => ({ items: await listAllClones(ctx.deps, ctx.actor, input ?? { limit: 100 }) })),
    cancel: adminProcedure
      .input(idInput)
      .output(cancelResponseSchema)
      .mutation(({ ctx, input }) => cancelClone(ctx.deps, ctx.actor, input.id)),
    retry: adminProcedure
      .input(idInput)
      .output(cloneOperationSchema)
      .mutation(({ ctx, input }) => retryClone(ctx.deps, ctx.actor, input.id)),
  }),
});
