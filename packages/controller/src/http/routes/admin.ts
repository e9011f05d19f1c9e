// REST: /api/v1/admin — platform administrators only: every organization's clone operations
// (filter by status, organization), and cancel or retry any of them.
import { Hono } from 'hono';
import { cloneOperationSchema, listOf } from '@oec/shared';
import { listAllClones, requirePlatformAdmin } from '../../clone/request/read.js';
import type { AppDeps } from '../../deps.js';
import { adminCloneListQuery } from '../../schemas.js';
import type { AppEnv } from '../env.js';
import { readQuery, reply } from '../validate.js';
import { cancelRetryRoutes } from './clones.js';

export function adminRoutes(deps: AppDeps): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.use(async (c, next) => {
    requirePlatformAdmin(c.var.actor);
    await next();
  });
  r.get('/clone-operations', async (c) =>
    reply(c, listOf(cloneOperationSchema), { items: await listAllClones(deps, c.var.actor, readQuery(c, adminCloneListQuery)) }),
  );
  cancelRetryRoutes(r, deps);
  return r;
}
