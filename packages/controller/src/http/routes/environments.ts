// REST: /api/v1/environments/{id} — read, destroy (202), start and stop (202).
import { Hono } from 'hono';
import { environmentSchema } from '@oec/shared';
import type { AppDeps } from '../../deps.js';
import { destroyEnvironment, startEnvironment, stopEnvironment } from '../../services/environment-actions.js';
import { getEnvironment } from '../../services/environments.js';
import type { AppEnv } from '../env.js';
import { pathId, reply } from '../validate.js';

const NF = 'ENVIRONMENT_NOT_FOUND';

export function environmentRoutes(deps: AppDeps): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/:id', async (c) => reply(c, environmentSchema, await getEnvironment(deps, c.var.actor, pathId(c, NF))));
  r.delete('/:id', async (c) =>
    reply(c, environmentSchema, await destroyEnvironment(deps, c.var.actor, pathId(c, NF)), 202),
  );
  r.post('/:id/start', async (c) =>
    reply(c, environmentSchema, await startEnvironment(deps, c.var.actor, pathId(c, NF)), 202),
  );
  r.post('/:id/stop', async (c) =>
    reply(c, environmentSchema, await stopEnvironment(deps, c.var.actor, pathId(c, NF)), 202),
  );
  return r;
}
