// REST: cloning — POST /environments/{id}/clone (202) and …/clone/estimate, the operations of
// an environment and of a project, and /clone-operations/{id} (read, logs, cancel, retry).
import { Hono } from 'hono';
import { cancelResponseSchema, cloneOperationSchema, estimateSchema, listOf, logsResponseSchema } from '@oec/shared';
import { cancelClone, retryClone } from '../../clone/request/cancel-retry.js';
import { requestClone } from '../../clone/request/create.js';
import { estimateClone } from '../../clone/request/estimate.js';
import { cloneLogs, getClone, listEnvironmentClones, listProjectClones } from '../../clone/request/read.js';
import type { AppDeps } from '../../deps.js';
import { cloneListQuery, cloneLogsQuery, cloneRequestInput } from '../../schemas.js';
import type { AppEnv } from '../env.js';
import { pathId, readBody, readQuery, reply } from '../validate.js';

const ENV_NF = 'ENVIRONMENT_NOT_FOUND';
const OP_NF = 'CLONE_NOT_FOUND';
const operations = listOf(cloneOperationSchema);

export function cloneRoutes(deps: AppDeps): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post('/environments/:id/clone', async (c) => {
    const id = pathId(c, ENV_NF);
    const input = await readBody(c, cloneRequestInput);
    return reply(c, cloneOperationSchema, await requestClone(deps, c.var.actor, id, input), 202);
  });
  r.post('/environments/:id/clone/estimate', async (c) => {
    const id = pathId(c, ENV_NF);
    const input = await readBody(c, cloneRequestInput);
    return reply(c, estimateSchema, await estimateClone(deps, c.var.actor, id, input));
  });
  r.get('/environments/:id/clone-operations', async (c) => {
    const id = pathId(c, ENV_NF);
    return reply(c, operations, { items: await listEnvironmentClones(deps, c.var.actor, id, readQuery(c, cloneListQuery)) });
  });
  r.get('/projects/:id/clone-operations', async (c) => {
    const id = pathId(c, 'PROJECT_NOT_FOUND');
    return reply(c, operations, { items: await listProjectClones(deps, c.var.actor, id, readQuery(c, cloneListQuery)) });
  });
  r.get('/clone-operations/:id', async (c) => reply(c, cloneOperationSchema, await getClone(deps, c.var.actor, pathId(c, OP_NF))));
  r.get('/clone-operations/:id/logs', async (c) => {
    const id = pathId(c, OP_NF);
    return reply(c, logsResponseSchema, await cloneLogs(deps, c.var.actor, id, readQuery(c, cloneLogsQuery)));
  });
  cancelRetryRoutes(r, deps);
  return r;
}

/** POST /clone-operations/{id}/cancel and …/retry (also mounted under /admin). */
export function cancelRetryRoutes(r: Hono<AppEnv>, deps: AppDeps): void {
  r.post('/clone-operations/:id/cancel', async (c) =>
    reply(c, cancelResponseSchema, await cancelClone(deps, c.var.actor, pathId(c, OP_NF))),
  );
  r.post('/clone-operations/:id/retry', async (c) =>
    reply(c, cloneOperationSchema, await retryClone(deps, c.var.actor, pathId(c, OP_NF)), 202),
  );
}
