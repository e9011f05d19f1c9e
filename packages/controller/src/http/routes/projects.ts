// REST: /api/v1/projects — create, list (optionally by organization), read, update the
// sanitization settings (strict mode, kept columns); and the
// environments of a project (list, create).
import { Hono } from 'hono';
import { environmentSchema, listOf, projectSchema, updateProjectSchema } from '@oec/shared';
import type { AppDeps } from '../../deps.js';
import { createEnvironmentInput, createProjectInput, organizationFilter } from '../../schemas.js';
import { createEnvironment, listEnvironments } from '../../services/environments.js';
import { createProject, getProject, listProjects, updateProject } from '../../services/projects.js';
import type { AppEnv } from '../env.js';
import { pathId, readBody, readQuery, reply } from '../validate.js';

const NF = 'PROJECT_NOT_FOUND';

export function projectRoutes(deps: AppDeps): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post('/', async (c) => {
    const input = await readBody(c, createProjectInput);
    return reply(c, projectSchema, await createProject(deps, c.var.actor, input), 201);
  });
  r.get('/', async (c) => {
    const { organization_id } = readQuery(c, organizationFilter);
    return reply(c, listOf(projectSchema), { items: await listProjects(deps, c.var.actor, organization_id) });
  });
  r.get('/:id', async (c) => reply(c, projectSchema, await getProject(deps, c.var.actor, pathId(c, NF))));
  r.patch('/:id', async (c) => {
    const id = pathId(c, NF);
    const input = await readBody(c, updateProjectSchema);
    return reply(c, projectSchema, await updateProject(deps, c.var.actor, id, input));
  });
  r.get('/:id/environments', async (c) =>
    reply(c, listOf(environmentSchema), { items: await listEnvironments(deps, c.var.actor, pathId(c, NF)) }),
  );
  r.post('/:id/environments', async (c) => {
    const id = pathId(c, NF);
    const input = await readBody(c, createEnvironmentInput);
    return reply(c, environmentSchema, await createEnvironment(deps, c.var.actor, id, input), 202);
  });
  return r;
}
