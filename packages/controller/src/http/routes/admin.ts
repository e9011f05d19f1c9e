// REST: /api/v1/admin — platform administrators only: every organization's clone operations
// (filter by status, organization), and cancel or retry any of them.
import { Hono } from 'hono';
import { cancelResponseSchema, cloneOperationSchema, listOf } from '@oec/shared';
import { cancelClone, retryClone } from '../../clone/request/cancel-retry.js';
import { listAllClones, requirePlatformAdmin } from '../../clone/request/read.js';
import type { AppDeps } from '../../deps.js';
import { adminCloneListQuery } from '../../schemas.js';
import type { AppEnv } from '../env.js';
import { pathId, readQuery, reply } from '../validate.js';

const OP_NF = 'CLONE_NOT_FOUND';

export function adminRoutes(deps: AppDeps): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.use(async (c, next) => {
    requirePlatformAdmin(c.var.actor);
    await next();
  });
  r.get('/clone-operations', async (c) =>
    reply(c, listOf(cloneOperationSchema), { items: await listAllClones(deps, c.var.actor, readQuery(c, adminCloneListQuery)) }),
  );
  r.post('/clone-operations/:id/cancel', async (c) =>
    reply(c, cancelResponseSchema, await cancelClone(deps, c.var.actor, pathId(c, OP_NF))),
  );
  r.post('/clone-operations/:id/retry', async (c) =>
    reply(c, cloneOperationSchema, await retryClone(deps, c.var.actor, pathId(c, OP_NF)), 202),
  );
  return r;
}
