// Environment lifecycle through a fake agent: creation (202 CREATING → env.create → env.start →
// RUNNING), name/domain conflicts, quota reservation (also under concurrency), unreachable
// servers, stop/start with the CPU/RAM quota re-check, busy environments, failures, destroy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentDbName } from '@oec/shared';
import type { CreateServerResponse, Environment, ErrorBody, Organization, Project, Usage } from '@oec/shared';
import { FakeAgent, seedOrganization, startController, startPostgres, waitFor } from './harness.js';
import type { Client, Controller, Postgres, TaskReply } from './harness.js';

let postgres: Postgres;
let ctl: Controller;
let alice: Client;
let aliceUser: { email: string; api: Client };
const agents: FakeAgent[] = [];
let n = 0;

interface Tenant {
  org: Organization;
  project: Project;
  server: CreateServerResponse;
  agent: FakeAgent;
  create(body: Record<string, unknown>): Promise<{ status: number; body: Environment & ErrorBody }>;
  waitStatus(id: string, status: Environment['status']): Promise<Environment>;
}

async function tenant(quota = { cpu: 4, ram_gb: 8, disk_gb: 100, environments: 5 }): Promise<Tenant> {
  const { org, project, server } = await seedOrganization(ctl, aliceUser, `org${++n}`, quota);
  const agent = await FakeAgent.connect(ctl.wsUrl, server.agent_token);
  agents.push(agent);
  return {
    org,
    project,
    server,
    agent,
    create: (body) =>
      alice.post<Environment & ErrorBody>(`/api/v1/projects/${project.id}/environments`, {
        environment_type: 'development',
        server_id: server.id,
        ...body,
      }),
    waitStatus: (id, status) =>
      waitFor(async () => {
        const e = await alice.ok<Environment>('GET', `/api/v1/environments/${id}`);
        return e.status === status ? e : undefined;
      }, `environment ${id} ${status}`),
  };
}

const usage = (orgId: string) => alice.ok<Usage>('GET', `/api/v1/organizations/${orgId}/usage`);

beforeAll(async () => {
  postgres = await startPostgres();
  ctl = await startController(postgres, { OEC_RATE_LIMIT_PER_MINUTE: '100000', OEC_HEARTBEAT_INTERVAL_MS: '1000' });
  aliceUser = await ctl.createUser('alice@example.com');
  alice = aliceUser.api;
});

afterAll(async () => {
  for (const a of agents) await a.close();
  await ctl?.close();
  await postgres?.close();
});

describe('creating an environment', () => {
  it('answers 202 CREATING, runs env.create then env.start on the agent, and ends RUNNING', async () => {
    const t = await tenant();
    const res = await t.create({ name: 'staging', resources: { cpu: 1.5, ram_gb: 3, disk_gb: 20 } });
    expect(res.status).toBe(202);
    const env = res.body;
    expect(env).toMatchObject({ status: 'CREATING', name: 'staging', type: 'development', server_id: t.server.id });
    expect(env.domain).toBe(`staging-${env.id.slice(0, 8)}.apps.localhost`);
    expect(env.url).toBe(`https://${env.domain}`);
    expect(env.database_name).toBe(environmentDbName(env.id));

    const running = await t.waitStatus(env.id, 'RUNNING');
    expect(running.filestore_path).toBe(`/srv/oec/environments/${env.id}/filestore`);
    expect(running.connection).toEqual({ host: '127.0.0.1', port: 5433, database: env.database_name, user: env.database_name });
    expect(t.agent.tasks.map((task) => task.kind)).toEqual(['env.create', 'env.start']);
    expect(t.agent.tasks[0]?.input).toEqual({
      environment_id: env.id,
      db_name: env.database_name,
      name: 'staging',
      domain: env.domain,
      odoo_version: '17.0',
      addons: [],
    });
    expect(t.agent.tasks[0]?.fence).toEqual({ operation_id: null, attempt: 0 });

    const { rows } = await ctl.db.query<{ kind: string; status: string; progress: number; logs: number }>(
      `SELECT kind, status, progress, (SELECT COUNT(*)::int FROM task_logs l WHERE l.task_id = t.id) AS logs
         FROM tasks t WHERE environment_id = $1 ORDER BY created_at`,
      [env.id],
    );
    expect(rows).toEqual([
      { kind: 'env.create', status: 'succeeded', progress: 1, logs: 1 },
      { kind: 'env.start', status: 'succeeded', progress: 1, logs: 1 },
    ]);
    expect(await usage(t.org.id)).toMatchObject({ cpu: { used: 1.5 }, ram_gb: { used: 3 }, disk_gb: { used: 20 }, environments: { used: 1 } });
  });

  it('refuses a taken name and a taken domain with INVALID_TARGET_CONFIG and the reason', async () => {
    const t = await tenant();
    expect((await t.create({ name: 'prod', domain: 'Shop.Example.com' })).status).toBe(202);
    let res = await t.create({ name: 'prod' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_TARGET_CONFIG', details: { reason: 'NAME_TAKEN', field: 'name' } });
    res = await t.create({ name: 'prod-2', domain: 'shop.example.com' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_TARGET_CONFIG', details: { reason: 'DOMAIN_TAKEN', field: 'domain' } });
    // Names are per project: another project may reuse it; domains are platform-wide.
    const other = await tenant();
    expect((await other.create({ name: 'prod' })).status).toBe(202);
    expect((await other.create({ name: 'prod-3', domain: 'shop.example.com' })).body.error?.details?.reason).toBe('DOMAIN_TAKEN');
  });

  it('refuses what the quota cannot hold, naming the resource and the missing amount', async () => {
    const t = await tenant({ cpu: 4, ram_gb: 8, disk_gb: 100, environments: 5 });
    expect((await t.create({ name: 'one', resources: { cpu: 2, ram_gb: 6, disk_gb: 10 } })).status).toBe(202);
    const res = await t.create({ name: 'two', resources: { cpu: 1, ram_gb: 4, disk_gb: 10 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('QUOTA_EXCEEDED');
    expect(res.body.error.message).toMatch(/need 2 GB RAM/);
    expect(res.body.error.details).toMatchObject({ resource: 'ram_gb', requested: 4, available: 2 });
  });

  it('reserves quota atomically: concurrent creations never exceed it', async () => {
    const t = await tenant({ cpu: 100, ram_gb: 100, disk_gb: 1000, environments: 3 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => t.create({ name: `burst-${i}` })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([202, 202, 202, 400, 400, 400, 400, 400]);
    expect(results.filter((r) => r.status === 400).every((r) => r.body.error.code === 'QUOTA_EXCEEDED')).toBe(true);
    expect((await usage(t.org.id)).environments.used).toBe(3);
  });

  it('answers 503 SERVER_UNREACHABLE when the server’s agent is not connected', async () => {
    const t = await tenant();
    const offline = await alice.ok<CreateServerResponse>('POST', '/api/v1/servers', { organization_id: t.org.id, name: 'offline' });
    const res = await t.create({ name: 'nowhere', server_id: offline.id });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'SERVER_UNREACHABLE', details: { server_id: offline.id, status: 'PENDING' } });
  });

  it('records a failed creation as FAILED with the agent’s error', async () => {
    const t = await tenant();
    t.agent.onTask = (task): TaskReply =>
      task.kind === 'env.create'
        ? { error: { code: 'DISK_FULL', message: 'no space left on device', details: { path: '/srv' }, retryable: false } }
        : { output: { ok: true } };
    const env = (await t.create({ name: 'doomed' })).body;
    await t.waitStatus(env.id, 'FAILED');
    const { rows } = await ctl.db.query<{ last_error: unknown }>('SELECT last_error FROM environments WHERE id = $1', [env.id]);
    expect(rows[0]?.last_error).toEqual({ code: 'DISK_FULL', message: 'no space left on device', details: { path: '/srv' }, action: 'create' });
    expect(t.agent.tasks.map((task) => task.kind)).toEqual(['env.create']);
  });
});

describe('stop, start and destroy', () => {
  it('stops (releasing CPU and RAM), refuses a start the quota cannot hold, then starts', async () => {
    const t = await tenant({ cpu: 4, ram_gb: 8, disk_gb: 100, environments: 5 });
    const first = (await t.create({ name: 'first', resources: { cpu: 2, ram_gb: 2, disk_gb: 10 } })).body;
    await t.waitStatus(first.id, 'RUNNING');
    const stop = await alice.post<Environment>(`/api/v1/environments/${first.id}/stop`);
    expect(stop.status).toBe(202);
    await t.waitStatus(first.id, 'STOPPED');
    expect(await usage(t.org.id)).toMatchObject({ cpu: { used: 0 }, ram_gb: { used: 0 }, disk_gb: { used: 10 }, environments: { used: 1 } });

    const second = (await t.create({ name: 'second', resources: { cpu: 3, ram_gb: 2, disk_gb: 10 } })).body;
    await t.waitStatus(second.id, 'RUNNING');
    const refused = await alice.post<ErrorBody>(`/api/v1/environments/${first.id}/start`);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { resource: 'cpu', requested: 2, available: 1 } });
    expect(refused.body.error.message).toMatch(/need 1 CPU/);

    await alice.post(`/api/v1/environments/${second.id}/stop`);
    await t.waitStatus(second.id, 'STOPPED');
    expect((await alice.post(`/api/v1/environments/${first.id}/start`)).status).toBe(202);
    await t.waitStatus(first.id, 'RUNNING');
    const kinds = t.agent.tasks.map((task) => task.kind);
    expect(kinds.filter((k) => k === 'env.stop')).toHaveLength(2);
    expect(kinds.at(-1)).toBe('env.start');
    // Starting a RUNNING environment is refused with its status.
    const again = await alice.post<ErrorBody>(`/api/v1/environments/${first.id}/start`);
    expect(again.body.error).toMatchObject({ code: 'INVALID_ENVIRONMENT_STATUS', details: { status: 'RUNNING' } });
  });

  it('answers 409 ENVIRONMENT_BUSY while a task is in flight', async () => {
    const t = await tenant();
    const env = (await t.create({ name: 'busy' })).body;
    await t.waitStatus(env.id, 'RUNNING');
    t.agent.onTask = () => 'ignore';
    expect((await alice.post(`/api/v1/environments/${env.id}/stop`)).status).toBe(202);
    const stopTask = await waitFor(() => t.agent.tasks.find((task) => task.kind === 'env.stop'), 'env.stop sent');
    for (const res of [
      await alice.post<ErrorBody>(`/api/v1/environments/${env.id}/stop`),
      await alice.post<ErrorBody>(`/api/v1/environments/${env.id}/start`),
      await alice.request<ErrorBody>('DELETE', `/api/v1/environments/${env.id}`),
    ]) {
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'ENVIRONMENT_BUSY', details: { action: 'stop' } });
    }
    t.agent.reply(stopTask.task_id, { output: { ok: true } });
    await t.waitStatus(env.id, 'STOPPED');
  });

  it('destroys: 202 DESTROYING, env.destroy on the agent, then the environment is gone', async () => {
    const t = await tenant();
    const env = (await t.create({ name: 'temporary' })).body;
    await t.waitStatus(env.id, 'RUNNING');
    const res = await alice.request<Environment>('DELETE', `/api/v1/environments/${env.id}`);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('DESTROYING');
    await waitFor(async () => (await alice.get(`/api/v1/environments/${env.id}`)).status === 404, 'environment deleted');
    expect(t.agent.tasks.at(-1)).toMatchObject({ kind: 'env.destroy', input: { environment_id: env.id, db_name: env.database_name } });
    expect((await usage(t.org.id)).environments.used).toBe(0);
    // The name is free again.
    expect((await t.create({ name: 'temporary' })).status).toBe(202);
  });
});
