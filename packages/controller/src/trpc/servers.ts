// tRPC: servers — list, get, create (answers the one-time agent token).
import { createServerResponseSchema, listOf, serverSchema } from '@oec/shared';
import { createServerInput, idInput, organizationFilter } from '../schemas.js';
import { createServer, getServer, listServers } from '../services/servers.js';
import { authedProcedure, router } from './trpc.js';

export const serversRouter = router({
  list: authedProcedure
    .input(organizationFilter.strict().optional())
    .output(listOf(serverSchema))
    .query(async ({ ctx, input }) => ({ items: await listServers(ctx.deps, ctx.actor, input?.organization_id) })),
  get: authedProcedure
    .input(idInput)
    .output(serverSchema)
    .query(({ ctx, input }) => getServer(ctx.deps, ctx.actor, input.id)),
  create: authedProcedure
    .input(createServerInput)
    .output(createServerResponseSchema)
    .mutation(({ ctx, input }) => createServer(ctx.deps, ctx.actor, input)),
});
