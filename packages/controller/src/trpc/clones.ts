// tRPC: clones — clone, estimate, get, logs, cancel, retry, listByProject, listByEnvironment,
// the admins' list/cancel/retry, and `progress`: a subscription (SSE) yielding the operation
// each time it changes until it has finished and cleaned up.
import { cancelResponseSchema, cloneOperationSchema, estimateSchema, listOf, logsResponseSchema, uuidSchema } from '@oec/shared';
import type { CloneOperation } from '@oec/shared';
import { isTerminal } from '../clone/model/status.js';
import { cancelClone, retryClone } from '../clone/request/cancel-retry.js';
import { requestClone } from '../clone/request/create.js';
import { estimateClone } from '../clone/request/estimate.js';
import { cloneLogs, getClone, listAllClones, listEnvironmentClones, listProjectClones } from '../clone/request/read.js';
import { adminCloneListQuery, cloneListQuery, cloneLogsQuery, cloneRequestInput, idInput } from '../schemas.js';
import { adminProcedure, authedProcedure, router } from './trpc.js';

const withSource = cloneRequestInput.extend({ environment_id: uuidSchema });
const operations = listOf(cloneOperationSchema);
/** The subscription re-reads at least this often, so it never depends on events alone. */
const FALLBACK_MS = 2000;

function finished(op: CloneOperation): boolean {
  return isTerminal(op.status) && op.cleanup !== 'pending';
}

/** What counts as a change: everything but the clock-driven elapsed and ETA seconds. */
function fingerprint(op: CloneOperation): string {
  const { elapsed_seconds: _e, eta_seconds: _t, ...progress } = op.progress;
  return JSON.stringify({ ...op, progress });
}

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
  progress: authedProcedure.input(idInput).subscription(async function* ({ ctx, input, signal }) {
    let last = await getClone(ctx.deps, ctx.actor, input.id, false);
    yield last;
    if (finished(last)) return;
    for await (const _change of ctx.deps.clones.events.watch(input.id, signal, FALLBACK_MS)) {
      const next = await getClone(ctx.deps, ctx.actor, input.id, false);
      if (fingerprint(next) !== fingerprint(last)) yield next;
      last = next;
      if (finished(next)) return;
    }
  }),
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
