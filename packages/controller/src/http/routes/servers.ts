// REST: /api/v1/servers — create (answers the one-time agent token), list, read.
import { Hono } from 'hono';
import { createServerResponseSchema, listOf, serverSchema } from '@oec/shared';
import type { AppDeps } from '../../deps.js';
import { createServerInput, organizationFilter } from '../../schemas.js';
import { createServer, getServer, listServers } from '../../services/servers.js';
import type { AppEnv } from '../env.js';
import { pathId, readBody, readQuery, reply } from '../validate.js';

export function serverRoutes(deps: AppDeps): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post('/', async (c) => {
    const input = await readBody(c, createServerInput);
    return reply(c, createServerResponseSchema, await createServer(deps, c.var.actor, input), 201);
  });
  r.get('/', async (c) => {
    const { organization_id } = readQuery(c, organizationFilter);
    return reply(c, listOf(serverSchema), { items: await listServers(deps, c.var.actor, organization_id) });
  });
  r.get('/:id', async (c) =>
    reply(c, serverSchema, await getServer(deps, c.var.actor, pathId(c, 'SERVER_NOT_FOUND'))),
  );
  return r;
}
