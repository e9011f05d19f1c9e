// tRPC: organizations — list, get, create, usage, members, addMember.
import { listOf, memberSchema, organizationSchema, usageSchema, uuidSchema } from '@oec/shared';
import { addMemberInput, createOrganizationInput, idInput } from '../schemas.js';
import { addMember, listMembers } from '../services/members.js';
import { createOrganization, getOrganization, listOrganizations, organizationUsage } from '../services/organizations.js';
import { authedProcedure, router } from './trpc.js';

export const organizationsRouter = router({
  list: authedProcedure
    .output(listOf(organizationSchema))
    .query(async ({ ctx }) => ({ items: await listOrganizations(ctx.deps, ctx.actor) })),
  get: authedProcedure
    .input(idInput)
    .output(organizationSchema)
    .query(({ ctx, input }) => getOrganization(ctx.deps, ctx.actor, input.id)),
  create: authedProcedure
    .input(createOrganizationInput)
    .output(organizationSchema)
    .mutation(({ ctx, input }) => createOrganization(ctx.deps, ctx.actor, input)),
  usage: authedProcedure
    .input(idInput)
    .output(usageSchema)
    .query(({ ctx, input }) => organizationUsage(ctx.deps, ctx.actor, input.id)),
  members: authedProcedure
    .input(idInput)
    .output(listOf(memberSchema))
    .query(async ({ ctx, input }) => ({ items: await listMembers(ctx.deps, ctx.actor, input.id) })),
  addMember: authedProcedure
    .input(addMemberInput.extend({ organization_id: uuidSchema }))
    .output(memberSchema)
    .mutation(({ ctx, input: { organization_id, ...member } }) => addMember(ctx.deps, ctx.actor, organization_id, member)),
});
