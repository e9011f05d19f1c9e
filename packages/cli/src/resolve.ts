// Names → ids. Environments and servers are addressable by name within the current project
// (--project, OEC_PROJECT, the config's project, or the user's only project) as well as by id.
import { environmentSchema, listOf, projectSchema, serverSchema, uuidSchema } from '@oec/shared';
import type { Environment, Project, Server } from '@oec/shared';
import type { Api } from './api.js';
import { CliError, Exit } from './exit-codes.js';

const isId = (s: string) => uuidSchema.safeParse(s).success;

export async function resolveProject(api: Api, ref: string | undefined): Promise<Project> {
  if (ref && isId(ref)) return api.get(`/projects/${ref}`, projectSchema);
  const { items } = await api.get('/projects', listOf(projectSchema));
  if (ref) {
    const named = items.filter((p) => p.name === ref);
    if (named.length === 1 && named[0]) return named[0];
    if (named.length > 1) throw new CliError(Exit.USAGE, 'AMBIGUOUS', `Several projects are named ${ref}: use its id`);
    throw new CliError(Exit.NOT_FOUND, 'PROJECT_NOT_FOUND', `No project named ${ref}`);
  }
  if (items.length === 1 && items[0]) return items[0];
  if (!items.length) throw new CliError(Exit.NOT_FOUND, 'PROJECT_NOT_FOUND', 'You are not a member of any project');
  throw new CliError(Exit.USAGE, 'PROJECT_REQUIRED', `You have ${items.length} projects: pass --project NAME (or set OEC_PROJECT)`);
}

export async function listEnvironments(api: Api, project: Project): Promise<Environment[]> {
  return (await api.get(`/projects/${project.id}/environments`, listOf(environmentSchema))).items;
}

export async function resolveEnvironment(api: Api, ref: string, projectRef: string | undefined): Promise<Environment> {
  if (isId(ref)) return api.get(`/environments/${ref}`, environmentSchema);
  const project = await resolveProject(api, projectRef);
  const env = (await listEnvironments(api, project)).find((e) => e.name === ref);
  if (!env) throw new CliError(Exit.NOT_FOUND, 'ENVIRONMENT_NOT_FOUND', `No environment named ${ref} in project ${project.name}`);
  return env;
}

export async function listServers(api: Api, organizationId?: string): Promise<Server[]> {
  const q = organizationId ? `?organization_id=${encodeURIComponent(organizationId)}` : '';
  return (await api.get(`/servers${q}`, listOf(serverSchema))).items;
}

export async function resolveServer(api: Api, ref: string, organizationId: string): Promise<Server> {
  if (isId(ref)) return api.get(`/servers/${ref}`, serverSchema);
  const server = (await listServers(api, organizationId)).find((s) => s.name === ref);
  if (!server) throw new CliError(Exit.NOT_FOUND, 'SERVER_NOT_FOUND', `No server named ${ref} in this organization`);
  return server;
}

/** An operation id must be a UUID; anything else is a usage error before any request. */
export function operationId(ref: string): string {
  if (!isId(ref)) throw new CliError(Exit.USAGE, 'VALIDATION_ERROR', `${ref} is not an operation id (a UUID)`);
  return ref;
}
