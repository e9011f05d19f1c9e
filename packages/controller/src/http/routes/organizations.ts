// REST: /api/v1/organizations — create, list, read, members, usage.
import { Hono } from 'hono';
import { listOf, memberSchema, organizationSchema, usageSchema } from '@oec/shared';
import type { AppDeps } from '../../deps.js';
import { addMemberInput, createOrganizationInput } from '../../schemas.js';
import { addMember, listMembers } from '../../services/members.js';
import {
  createOrganization,
  getOrganization,
  listOrganizations,
  organizationUsage,
} from '../../services/organizations.js';
import type { AppEnv } from '../env.js';
import { pathId, readBody, reply } from '../validate.js';

const NF = 'ORGANIZATION_NOT_FOUND';

export function organizationRoutes(deps: AppDeps): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post('/', async (c) => {
    const input = await readBody(c, createOrganizationInput);
    return reply(c, organizationSchema, await createOrganization(deps, c.var.actor, input), 201);
  });
  r.get('/', async (c) => reply(c, listOf(organizationSchema), { items: await listOrganizations(deps, c.var.actor) }));
  r.get('/:id', async (c) => reply(c, organizationSchema, await getOrganization(deps, c.var.actor, pathId(c, NF))));
  r.get('/:id/members', async (c) =>
    reply(c, listOf(memberSchema), { items: await listMembers(deps, c.var.actor, pathId(c, NF)) }),
  );
  r.post('/:id/members', async (c) => {
    const id = pathId(c, NF);
    const input = await readBody(c, addMemberInput);
    return reply(c, memberSchema, await addMember(deps, c.var.actor, id, input), 201);
  });
  r.get('/:id/usage', async (c) => reply(c, usageSchema, await organizationUsage(deps, c.var.actor, pathId(c, NF))));
  return r;
}
