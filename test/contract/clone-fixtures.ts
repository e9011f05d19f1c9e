// Fixtures of the clone contract suites: a tenant (organization, project, server with a
// clone-capable fake agent, a RUNNING source environment), requests and waits on operations.
import type { CloneOperation, Environment, ErrorBody, Organization, Project } from '@oec/shared';
import { connectCloneAgent } from './clone-agent.js';
import type { CloneAgentOptions } from './clone-agent.js';
import { seedOrganization, waitFor } from './harness.js';
import type { FakeAgent } from './harness.js';
import type { Client, Controller, Res } from './harness.js';

export const CLONE_ENV = {
  OEC_RATE_LIMIT_PER_MINUTE: '100000',
  OEC_CLONE_RATE_LIMIT_PER_MINUTE: '100000',
  OEC_HEARTBEAT_INTERVAL_MS: '1000',
  OEC_CLONE_SWEEP_INTERVAL_MS: '100',
};

export interface Tenant {
  org: Organization;
  project: Project;
  serverId: string;
  agentToken: string;
  agent: FakeAgent;
  source: Environment;
  api: Client;
}

let counter = 0;

export async function waitEnv(api: Client, id: string, status: Environment['status']): Promise<Environment> {
  return waitFor(async () => {
    const e = await api.ok<Environment>('GET', `/api/v1/environments/${id}`);
    return e.status === status ? e : undefined;
  }, `environment ${id} ${status}`);
}

export async function createEnv(
  t: Pick<Tenant, 'project' | 'serverId' | 'api'>,
  body: Record<string, unknown>,
): Promise<Environment> {
  const created = await t.api.ok<Environment>('POST', `/api/v1/projects/${t.project.id}/environments`, {
    environment_type: 'development',
    server_id: t.serverId,
    ...body,
  });
  return waitEnv(t.api, created.id, 'RUNNING');
}

export async function tenant(
  ctl: Controller,
  owner: { email: string; api: Client },
  opts: { quota?: { cpu: number; ram_gb: number; disk_gb: number; environments: number }; agent?: CloneAgentOptions } = {},
): Promise<Tenant> {
  const quota = opts.quota ?? { cpu: 64, ram_gb: 256, disk_gb: 10000, environments: 100 };
  const { org, project, server } = await seedOrganization(ctl, owner, `clone${++counter}`, quota);
  // Hello and heartbeats report the same free disk (50 GB), so disk checks do not race them.
  const agent = await connectCloneAgent(ctl.wsUrl, server.agent_token, opts.agent);
  const base = { project, serverId: server.id, api: owner.api };
  const source = await createEnv(base, {
    name: 'production',
    environment_type: 'production',
    resources: { cpu: 1, ram_gb: 2, disk_gb: 10 },
    addons: [{ kind: 'project', name: 'shop-addons' }],
  });
  return { org, project, serverId: server.id, agentToken: server.agent_token, agent, source, api: owner.api };
}

export const NEW_STAGING = { target: { create_new: true, environment_type: 'staging' }, sanitization_preset: 'recommended' };

export function cloneRequest(api: Client, sourceId: string, body: Record<string, unknown> = NEW_STAGING): Promise<Res<CloneOperation & ErrorBody>> {
  return api.post<CloneOperation & ErrorBody>(`/api/v1/environments/${sourceId}/clone`, body);
}

export async function startClone(api: Client, sourceId: string, body: Record<string, unknown> = NEW_STAGING): Promise<CloneOperation> {
  const res = await cloneRequest(api, sourceId, body);
  if (res.status !== 202) throw new Error(`clone refused: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export function getOp(api: Client, id: string): Promise<CloneOperation> {
  return api.ok<CloneOperation>('GET', `/api/v1/clone-operations/${id}`);
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Poll until `until` holds (default: finished, cleanup over). */
export function waitOp(
  api: Client,
  id: string,
  until: (op: CloneOperation) => boolean = (op) => TERMINAL.has(op.status) && op.cleanup !== 'pending',
  what = 'operation finished',
): Promise<CloneOperation> {
  return waitFor(async () => {
    const op = await getOp(api, id);
    return until(op) ? op : undefined;
  }, `${what} (${id})`);
}

export function stepOf(op: CloneOperation, key: string) {
  return op.progress.steps.find((s) => s.key === key);
}

export function expectError(res: { status: number; body: unknown }, status: number, code: string): ErrorBody['error'] {
  const body = res.body as ErrorBody | null;
  if (res.status !== status || body?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  return body.error;
}
